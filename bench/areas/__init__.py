"""One module per area; each has ``TITLE``, ``ORDER`` and ``run(b)``. Later issues add their own."""
