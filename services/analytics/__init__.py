"""Customer analytics: lifecycle stage and RFM value tier, dashboard KPIs."""
