"""Runs the extension's browser JavaScript in V8 (mini-racer), without a browser.

A clientside callback needs little of a page: ``document.getElementById``
for the page's JSON elements (Dash's ``_dash-config`` and any other), and
``dash_clientside`` with ``callback_context``, ``no_update`` and
``PreventUpdate``. Both are faked here as a browser and dash-renderer provide
them, so a test can call the function the page ships and compare its URLs
with the server's.

Values cross into V8 as JSON text, so the function receives what a browser
holds: JavaScript numbers (an int beyond 2**53 arrives as the nearest
double, -0.0 as -0), strings as UTF-16.
"""

from __future__ import annotations

import json
import re
import typing as t

import dash
from dash.exceptions import PreventUpdate
from py_mini_racer import MiniRacer

__all__ = ["DashPage", "JsError", "UrlFunction", "evaluate"]

_BROWSER = """
var window = globalThis;
var __elements = {};
var document = {
  getElementById: function (id) {
    return Object.prototype.hasOwnProperty.call(__elements, id)
      ? {id: id, textContent: __elements[id]} : null;
  }
};
var dash_clientside = window.dash_clientside = {
  no_update: {description: "Return to prevent updating an Output."},
  PreventUpdate: {description: "Throw to prevent updating all Outputs."},
  callback_context: {}
};
var __functions = [];
function __define(source) {
  __functions.push((0, eval)("(" + source + ")"));
  return __functions.length - 1;
}
function __call(fn, argsText, contextText, elementsText) {
  __elements = JSON.parse(elementsText);
  dash_clientside.callback_context = JSON.parse(contextText);
  var result;
  try {
    result = fn.apply(null, JSON.parse(argsText));
  } catch (error) {
    if (error === dash_clientside.PreventUpdate) {
      return JSON.stringify({prevent_update: true});
    }
    return JSON.stringify({error: String(error)});
  }
  return JSON.stringify({result: result === undefined ? null : result},
    function (key, value) {
      return value === dash_clientside.no_update ? {__no_update__: true} : value;
    });
}
"""


class JsError(Exception):
    """The JavaScript function threw (anything but ``PreventUpdate``)."""


def _from_js(text: str) -> t.Any:
    envelope = json.loads(
        text,
        object_hook=lambda o: dash.no_update if o == {"__no_update__": True} else o,
    )
    if "error" in envelope:
        raise JsError(envelope["error"])
    if "prevent_update" in envelope:
        raise PreventUpdate
    return envelope["result"]


class _Context:
    """One V8 context holding the fake browser globals."""

    def __init__(self) -> None:
        self.v8 = MiniRacer()
        self.v8.eval(_BROWSER)
        self._call = self.v8.eval("__call")

    def define(self, source: str) -> t.Any:
        """The JavaScript function that the expression ``source`` evaluates to."""
        index = self.v8.eval(f"__define({json.dumps(source)})")
        return self.v8.eval(f"__functions[{index}]")

    def run_scripts(self, scripts: t.Iterable[str]) -> None:
        for script in scripts:
            self.v8.eval(script)

    def call(
        self,
        function: t.Any,
        args: t.Sequence[t.Any],
        context: t.Mapping[str, t.Any],
        elements: t.Mapping[str, str],
    ) -> t.Any:
        """Call ``function`` with ``args``; ``elements`` are the page's
        elements by id, as their text."""
        # ensure_ascii: astral characters and lone surrogates cross as \u
        # escapes, exactly as JSON.parse in a browser would read them.
        text = self._call(
            function,
            json.dumps(list(args)),
            json.dumps(context),
            json.dumps(dict(elements)),
        )
        return _from_js(text)


def callback_context(outputs_list: t.Any = None) -> dict[str, t.Any]:
    """``dash_clientside.callback_context`` as dash-renderer sets it."""
    return {
        "outputs_list": outputs_list,
        "inputs_list": [],
        "states_list": [],
        "triggered": [],
        "triggered_id": None,
    }


class UrlFunction:
    """A function written by :func:`flask_dash_images.dash.clientside.url_function`,
    callable from Python.

    :param source: the JavaScript function expression.
    :param dash_config: what Dash writes into ``<script id="_dash-config">``
        (``requests_pathname_prefix``, ``url_base_pathname``, ...).
    :param elements: the page's other JSON elements, by id.
    """

    def __init__(
        self,
        source: str,
        dash_config: t.Mapping[str, t.Any] | None = None,
        elements: t.Mapping[str, t.Any] | None = None,
    ):
        self._context = _Context()
        self._function = self._context.define(source)
        config = dash_config or {"requests_pathname_prefix": "/"}
        self.elements = {
            "_dash-config": json.dumps(config),
            **{key: json.dumps(value) for key, value in (elements or {}).items()},
        }

    def __call__(self, *args: t.Any, outputs_list: t.Any = None) -> t.Any:
        """What the function returns for these Input and State values.

        :param outputs_list: ``callback_context.outputs_list``, for ``ALL``
            outputs: a list of ``{"id": ..., "property": ...}`` (a list of
            two such lists with ``hidpi``).
        :raises PreventUpdate: the function threw ``PreventUpdate``.
        :raises JsError: it threw anything else.
        """
        return self._context.call(
            self._function, args, callback_context(outputs_list), self.elements
        )


def evaluate(
    source: str,
    args: t.Sequence[t.Any],
    dash_config: t.Mapping[str, t.Any] | None = None,
    outputs_list: t.Any = None,
    elements: t.Mapping[str, t.Any] | None = None,
) -> t.Any:
    """What the JavaScript function ``source`` returns for ``args``, once."""
    return UrlFunction(source, dash_config, elements)(*args, outputs_list=outputs_list)


_SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)
_ID = re.compile(r'\bid="([^"]*)"')


class DashPage:
    """A Dash app's page as the browser gets it: its JSON elements (Dash's
    configuration among them) and the clientside callbacks its inline
    scripts define, runnable in V8.

    :param dash_app: the app, whose server's test client is used unless
        ``client`` is given.
    :param client: a test client (a ``werkzeug.test.Client`` for a mounted app).
    :param base: where the page is, as the client sees it.
    """

    def __init__(
        self, dash_app: dash.Dash | None, base: str = "/", client: t.Any = None
    ):
        if client is None:
            assert dash_app is not None, "give the app or a client"
            client = dash_app.server.test_client()
        self.client = client
        response = self.client.get(base)
        assert response.status_code == 200, response.status
        scripts = _SCRIPT.findall(response.get_data(as_text=True))
        self.elements = {
            match.group(1): text
            for attributes, text in scripts
            if "application/json" in attributes and (match := _ID.search(attributes))
        }
        self.config = json.loads(self.elements["_dash-config"])
        self._context = _Context()
        self._context.run_scripts(
            text
            for attributes, text in scripts
            if not attributes.strip() and "_dashprivate_clientside_funcs" in text
        )
        self.dependencies = self.client.get(base + "_dash-dependencies").get_json()

    def callback_for(self, output: str) -> dict[str, t.Any]:
        for dependency in self.dependencies:
            if dependency["output"] == output:
                return t.cast(dict[str, t.Any], dependency)
        raise AssertionError(f"no callback for {output!r} in {self.dependencies}")

    def run(self, output: str, *args: t.Any, outputs_list: t.Any = None) -> t.Any:
        """What the clientside callback for ``output`` returns for these
        Input and State values (see :meth:`UrlFunction.__call__`)."""
        where = self.callback_for(output)["clientside_function"]
        function = self._context.v8.eval(
            f"window.dash_clientside[{json.dumps(where['namespace'])}]"
            f"[{json.dumps(where['function_name'])}]"
        )
        return self._context.call(
            function, args, callback_context(outputs_list), self.elements
        )
