"""Brand-defined customer attributes: definitions, typed values, filters and segment rules.

For other domains: `values.attributes_of(brand_id, customer_id)` is a customer's attributes as
plain data (a personal-data export), `values.erase_attributes(actor, customer_id)` removes them
(deleting the customer removes them too, by cascade)."""
