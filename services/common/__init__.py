"""What every domain's services share: the acting principal, audit rows, typed domain errors,
keyset pagination and dialect-neutral SQL."""
