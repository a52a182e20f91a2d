"""Tables of delivery to mail and calendar servers (issue 8)."""
