"""What operators see of a running server: a record per request (`request_record`), Prometheus
metrics (`metrics`), structured request logs (`request_log`) and the rate-limit headers
(`ratelimit_headers`). One ASGI middleware (`middleware.ObservedRequests`) and one hook per
executed operation (`request_record.operation_executed`) feed them all."""
