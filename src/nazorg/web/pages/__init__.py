"""The pages of the web application, one module per subject; each route parses its input, calls
one service and renders the result."""
