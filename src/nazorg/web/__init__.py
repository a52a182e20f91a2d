"""The web application for TCO/VGW staff, leaders and sector leadership: server-rendered pages
over the same services as the command line (FastAPI, Jinja2, served by uvicorn)."""
