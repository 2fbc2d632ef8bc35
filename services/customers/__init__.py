"""Customer profiles: cleaning, listing, duplicates, notes, tags, merge and erasure."""
