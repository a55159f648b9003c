"""The framework-free core: what a generator is, values <-> URLs, rendering,
and the render pipeline. It knows neither Flask's request nor Dash; the Flask
adapter (:mod:`..extension`, :mod:`..state`, :mod:`..views`) and the Dash side
(:mod:`..dash`) are built on it."""
