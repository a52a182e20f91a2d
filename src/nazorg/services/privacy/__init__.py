"""AVG (GDPR) features: an employee's export, erasure and the retention purge."""
