"""Build-time execution of Autograd Atlas pages (a small MkDocs plugin)."""

# Part of every execution cache key: bump it when a change to the engine
# changes what pages print or how their outputs are stored.
ENGINE_VERSION = "6"
