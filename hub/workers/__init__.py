"""The faust workers: one thin shell per stage around its pure core (``hub.streams``, ``hub.router.core``), the
faust app tuned for the embedded broker, and ``run_stage`` behind ``hub worker <stage>``."""
