"""Drives a Dash app's callbacks through its HTTP API, as dash-renderer does."""

from __future__ import annotations

import json
import typing as t

import dash
from dash.exceptions import PreventUpdate

from flask_dash_images.dash.clientside import ASK, NEXT

from . import js_engine


class DashBrowser:
    """Runs a Dash app's callbacks as dash-renderer does, then fetches pictures.

    It finds the callback in ``/_dash-dependencies`` the way the renderer does.
    A server callback gets the JSON body the renderer posts to
    ``/_dash-update-component``; a clientside one (where image URLs are built
    by default) runs in V8 with the page's own inline scripts and config.
    """

    def __init__(self, dash_app: dash.Dash, base: str = "/", client: t.Any = None):
        self.client = dash_app.server.test_client() if client is None else client
        self.base = base
        response = self.client.get(base + "_dash-dependencies")
        assert response.status_code == 200, response.data
        self.dependencies = response.get_json()
        self._page: js_engine.DashPage | None = None

    @property
    def page(self) -> js_engine.DashPage:
        """The page's scripts in V8 (loaded on first use)."""
        if self._page is None:
            self._page = js_engine.DashPage(None, base=self.base, client=self.client)
        return self._page

    def callback_for(self, output: str) -> dict[str, t.Any]:
        """The callback that gives ``output`` its value: for an image whose
        URLs the server builds, the server callback whose answer the relay
        sets on it (its inputs and states are the image callback's)."""
        return self._find(output)[0]

    def _find(self, output: str) -> tuple[dict[str, t.Any], str, int | None]:
        """The callback that gives ``output`` its value, the name of all it
        sets (``..a.src...a.alt..`` when it sets several), and where
        ``output`` is among them (``None``: it is the only one, or the
        name asked for is the whole list)."""
        for dependency in self.dependencies:
            name = dependency["output"]
            outputs = name[2:-2].split("...") if name.startswith("..") else [name]
            if name == output or output in outputs:
                index = None if name == output else outputs.index(output)
                return self._relayed(dependency) or dependency, name, index
        raise AssertionError(f"no callback for {output!r} in {self.dependencies}")

    def _relayed(self, callback: dict[str, t.Any]) -> dict[str, t.Any] | None:
        inputs = callback["inputs"]
        if len(inputs) != 1 or inputs[0]["property"] != NEXT:
            return None
        target = f"{inputs[0]['id']}.{NEXT}"
        for dependency in self.dependencies:
            if dependency["output"] == target:
                return t.cast(dict[str, t.Any], dependency)
        raise AssertionError(f"no callback for {target!r} in {self.dependencies}")

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
        ``outputs`` is the concrete output id (or ids, for ALL); for ALL the
        answer is a list in the order of ``outputs``, ``None`` where the
        callback left a picture as it was.

        :raises PreventUpdate: the callback left the picture as it was.
        """
        callback, name, index = self._find(output)
        if index is not None:
            # One of several outputs (src beside data-export, say): its value.
            values = self.update(name, inputs, state, outputs)
            return values[index]
        if callback["clientside_function"] is not None:
            return self._run_clientside(callback, inputs, state, outputs)
        body = {
            "output": output,
            "outputs": outputs_spec(callback["output"], outputs),
            "inputs": [
                dep_spec(d, v)
                for d, v in zip(
                    # The relay's ask is relay_body's to add.
                    [d for d in callback["inputs"] if d["property"] != ASK],
                    inputs,
                    strict=True,
                )
            ],
            "state": [
                dep_spec(d, v) for d, v in zip(callback["state"], state, strict=True)
            ],
            "changedPropIds": [],
        }
        response = post_update(self.client, self.base + "_dash-update-component", body)
        if response.status_code == 204:
            raise PreventUpdate
        assert response.status_code == 200, response.get_data(as_text=True)
        # What the relay sets on each image: its src, or, asked for several
        # outputs, each of them in order.
        wanted = output[2:-2].split("...") if output.startswith("..") else None
        srcs = {
            component: props["src"]
            if wanted is None
            else [props.get(w.rpartition(".")[2]) for w in wanted]
            for component, props in response.get_json()["response"].items()
        }
        if isinstance(outputs, list):
            return [srcs.get(component_key(o)) for o in outputs]
        (value,) = srcs.values()
        return value

    def _run_clientside(
        self,
        callback: dict[str, t.Any],
        inputs: t.Sequence[t.Any],
        state: t.Sequence[t.Any],
        outputs: t.Any,
    ) -> t.Any:
        values = [plain_value(v) for v in (*inputs, *state)]
        spec = outputs_spec(callback["output"], outputs)
        result = self.page.run(callback["output"], *values, outputs_list=spec)
        if isinstance(outputs, list):
            return [None if r is dash.no_update else r for r in result]
        if result is dash.no_update:
            raise PreventUpdate
        return result

    def get(self, url: str, **kwargs: t.Any) -> t.Any:
        return self.client.get(url, **kwargs)


def plain_value(value: t.Any) -> t.Any:
    """What a clientside callback receives for a value given as to
    :meth:`DashBrowser.update`: the values of a wildcard's ``(id, value)``s."""
    if isinstance(value, tuple):
        return value[1]
    if isinstance(value, list) and all(isinstance(v, tuple) for v in value) and value:
        return [v for _, v in value]
    return value


def component_key(component_id: t.Any) -> str:
    """How Dash names a component in a callback's response."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


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


def post_update(client: t.Any, url: str, body: dict[str, t.Any]) -> Relayed:
    """Post ``body``, addressed to an image's properties (``src``, then
    ``srcSet`` and ``alt``) as if a server callback set them, to the server
    callback that writes them on the image's NEXT; the answer reads as the
    relay sets it on the image (:class:`Relayed`)."""
    return Relayed(client.post(url, json=relay_body(body)))


def relay_body(body: dict[str, t.Any]) -> dict[str, t.Any]:
    """``body`` with its output moved to the image's NEXT."""
    output = body["output"]
    many = output.startswith("..")
    first = output[2:-2].split("...")[0] if many else output
    outputs = body["outputs"][0] if many else body["outputs"]

    def at_next(spec: dict[str, t.Any]) -> dict[str, t.Any]:
        return {**spec, "property": NEXT}

    # An ALL callback's builder has one more input, the relay's ask (which
    # the page sets only when an answer came for older values).
    asks = '["ALL"]' in first.replace(" ", "")
    return {
        **body,
        "inputs": [*body["inputs"], []] if asks else body["inputs"],
        "output": f"{first.rpartition('.')[0]}.{NEXT}",
        "outputs": (
            [at_next(o) for o in outputs]
            if isinstance(outputs, list)
            else at_next(outputs)
        ),
    }


class Relayed:
    """A server URL builder's answer as the relay sets it on each image:
    ``get_json()["response"]`` is ``{component: {"src": ..., ...}}``."""

    def __init__(self, response: t.Any) -> None:
        self.raw = response

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self.raw, name)

    def get_json(self) -> t.Any:
        answer = self.raw.get_json()
        return {
            **answer,
            "response": {
                # Without what the answer was for (the relay's check).
                component: {k: v for k, v in props[NEXT].items() if k != "for"}
                for component, props in answer["response"].items()
                if NEXT in props
            },
        }
