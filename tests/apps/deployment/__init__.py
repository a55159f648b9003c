"""The three patterns the README teaches, as a deployment would run them:
the Quick start (``quickstart``), an app factory (``factory``) and the
multi-page recipe (``pages_app``), each drawing a 16-axes matplotlib figure
that reports clicks (:mod:`.figure`).

Each reads its configuration from the environment (``FLASK_DASH_IMAGES_*``,
with Flask's ``from_prefixed_env``), and, with ``DEPLOY_WARM_UP=1``, draws
its picture once while it is made: with ``gunicorn --preload``, in the
master, before it forks its workers.
"""
