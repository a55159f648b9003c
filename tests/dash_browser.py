"""Drives a Dash app's callbacks through its HTTP API, as dash-renderer does."""

from __future__ import annotations

import typing as t

import dash


class DashBrowser:
    """Asks ``/_dash-update-component`` for a callback's output, then fetches it.

    It finds the callback in ``/_dash-dependencies`` the way the renderer does,
    and posts the same JSON body the renderer posts.
    """

    def __init__(self, dash_app: dash.Dash, base: str = "/", client: t.Any = None):
        self.client = dash_app.server.test_client() if client is None else client
        self.base = base
        response = self.client.get(base + "_dash-dependencies")
        assert response.status_code == 200, response.data
        self.dependencies = response.get_json()

    def callback_for(self, output: str) -> dict[str, t.Any]:
        for dependency in self.dependencies:
            if dependency["output"] == output:
                return t.cast(dict[str, t.Any], dependency)
        raise AssertionError(f"no callback for {output!r} in {self.dependencies}")

    def update(
        self,
        output: str,
        inputs: t.Sequence[t.Any],
        state: t.Sequence[t.Any] = (),
        outputs: t.Any = None,
    ) -> t.Any:
        """The new value of the output, given the inputs' and states' values.

        ``inputs`` and ``state`` are the values in declared order; for a
        wildcard dependency, a list of ``(id, value)`` pairs instead.
        ``outputs`` is the concrete output id (or ids, for ALL).
        """
        callback = self.callback_for(output)
        body = {
            "output": output,
            "outputs": outputs_spec(callback["output"], outputs),
            "inputs": [
                dep_spec(d, v) for d, v in zip(callback["inputs"], inputs, strict=True)
            ],
            "state": [
                dep_spec(d, v) for d, v in zip(callback["state"], state, strict=True)
            ],
            "changedPropIds": [],
        }
        response = self.client.post(self.base + "_dash-update-component", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        srcs = {
            component: props["src"]
            for component, props in response.get_json()["response"].items()
        }
        if isinstance(outputs, list):
            return srcs
        (value,) = srcs.values()
        return value

    def get(self, url: str, **kwargs: t.Any) -> t.Any:
        return self.client.get(url, **kwargs)


def dep_spec(dependency: dict[str, t.Any], value: t.Any) -> t.Any:
    if dependency["id"].startswith("{"):
        return (
            [
                {"id": id_, "property": dependency["property"], "value": v}
                for id_, v in value
            ]
            if isinstance(value, list)
            else {"id": value[0], "property": dependency["property"], "value": value[1]}
        )
    return {"id": dependency["id"], "property": dependency["property"], "value": value}


def outputs_spec(output: str, outputs: t.Any) -> t.Any:
    component, _, prop = output.rpartition(".")
    if outputs is None:
        return {"id": component, "property": prop}
    if isinstance(outputs, list):
        return [{"id": o, "property": prop} for o in outputs]
    return {"id": outputs, "property": prop}
