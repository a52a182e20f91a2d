"""Tables of the AVG features (issue 6): erasure requests and anonymous retention counts."""
