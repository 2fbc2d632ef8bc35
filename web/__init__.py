"""Pages the server serves to browsers (GraphiQL, the live dashboard) and their static files,
all from this package: nothing is loaded from another host."""
