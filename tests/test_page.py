"""The stepping page (`diffx graph --out g.html`, `diffx.export_html`): its steps are `diffx trace`'s rows, it is
self-contained and escaped, and in a real headless Chromium the arrow keys step through it, the DOM after every
step matching `diffx trace --json`, in a wide and in a narrow window, with a screenshot that is not blank.

The browser is driven over the Chrome DevTools protocol (a websocket, `websocket-client` of the test extra).
Where no Chromium can be found the browser test is skipped, saying so; everything else runs everywhere.
"""
from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

import diffx
from diffx.errors import InputError
from diffx.page import steps
from diffx.svg import value_text

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
HANG = 60.0          # seconds: only to stop a hung browser from hanging the suite
POLLS = 1200         # 0.05 s apart: a hang guard counted in polls, not a clock
CASES = [("log(x1) + x1*x2 - sin(x2)", ["x1=2", "x2=5"]),     # the textbook's example (Baydin et al., table 2)
         ("2*x.x", ["0,1,2,3"]),                                # the main job: x used twice, adjoint accumulates
         ("a = x*y; b = sin(a); b*a + y", ["x=0.5", "y=3"])]    # a and y with several consumers


def write_page(cli, tmp_path: Path, expr: str, at: list[str], name: str = "g.html") -> tuple[Path, dict]:
    out = tmp_path / name
    args = [x for a in at for x in ("--at", a)]
    done = cli("graph", expr, *args, "--out", str(out))
    assert done.exit_code == 0, done.output
    t = cli("trace", expr, *args, "--json")
    assert t.exit_code == 0, t.output
    return out, json.loads(t.stdout)


def expected_steps(t: dict) -> list[dict]:
    """What the page must show at each step, from `diffx trace --json` alone."""
    node = {plain: gid for gid, plain in t["names"].items()}
    out = [{"lines": [p["text"], d["text"]], "node": node[p["node"]], "val": "value " + value_text(p["value"]),
            "tan": "tangent " + value_text(d["value"])} for p, d in zip(t["primal"], t["tangent_trace"])]
    out += [{"lines": [a["text"]], "node": node[a["node"]], "adj": "adjoint " + value_text(np.asarray(a["value"]))}
            for a in t["adjoint_trace"]]
    return out


# ---------------------------------------------------------------- without a browser

@pytest.mark.parametrize("expr,at", CASES)
def test_the_steps_are_the_rows_of_diffx_trace(cli, tmp_path, expr, at):
    path, t = write_page(cli, tmp_path, expr, at)
    html = path.read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="dx-data">') + len('<script type="application/json" id="dx-data">')
    data = json.loads(html[start:html.index("</script>", start)])
    want = expected_steps(t)
    assert len(data["steps"]) == len(want)
    for got, w in zip(data["steps"], want):
        assert got["lines"] == w["lines"] and got["node"] == w["node"]
        assert got.get("value", got.get("adjoint")) == w.get("val", w.get("adj"))
    assert {s["phase"] for s in data["steps"]} == {"forward", "reverse", "result"}


def test_a_node_with_several_consumers_accumulates_its_adjoint():
    p = diffx.problem("2*x.x", x=[0, 1, 2, 3])
    from diffx.evaltrace import trace
    from diffx.graphview import report
    s = steps(report(p.graph, p.values), trace(p, {"x": np.ones(4)}), ["x"])
    x = [step for step in s if step["node"] == "v1" and step["phase"] == "reverse"]
    assert [step["accumulate"] for step in x] == [False, True]
    assert x[0]["adjoint"] == "adjoint [0, 2, 4, 6]" and x[1]["adjoint"] == "adjoint [0, 4, 8, 12]"
    assert x[1]["from"] == "v2" and "added" in x[1]["why"]


def test_the_page_is_self_contained():
    html = diffx.export_html("h = W@X + b; mean(sigmoid(h))", W=[[1, 2], [3, 4]], X=[[1, 0], [0, 1]], b=[1, 2])
    assert html.startswith("<!DOCTYPE html>") and "<script>" in html and "<style>" in html
    for outside in ("https://", "<link", " src=", "@import", "url("):
        assert outside not in html, outside
    assert html.count("http://") == html.count('xmlns="http://www.w3.org/2000/svg"')


def test_user_text_is_escaped_everywhere(tmp_path):
    # a comment never reaches the page (titles show the program on one line, comments dropped) ...
    expr = "a_b = x*x  # </script><script>alert(1)</script> & <b>bold</b>\na_b + 1"
    path = tmp_path / "e.html"
    html = diffx.export_html(expr, x=2.0, path=path)
    assert path.read_text(encoding="utf-8") == html
    assert "alert" not in html and "bold" not in html and "a_b + 1" in html
    # ... but a label does (a bound name, a Tensor's name): built here by hand, with markup in it
    g = diffx.Graph(source="x*x + 1 # <script>&")
    x = g.var("x")
    sq = g.add("mul", (x, x), label="</script><img src=1 onerror=alert(1)>&amp;")
    g.output = g.add("add", (sq, g.const(1.0)))
    html = diffx.export_html(g, x=2.0)
    assert "<img" not in html and "</script><img" not in html
    assert html.count("<script") == 2 and html.count("</script>") == 2     # the data and the program, no more
    assert "&lt;/script&gt;&lt;img src=1 onerror=alert(1)&gt;&amp;amp;" in html


def test_format_html_to_stdout_and_refusals(cli, tmp_path):
    done = cli("graph", "sin(x)*x", "--at", "1", "--format", "html")
    assert done.exit_code == 0 and done.stdout.startswith("<!DOCTYPE html>")
    clash = cli("graph", "x", "--at", "1", "--format", "html", "--out", str(tmp_path / "g.svg"))
    assert clash.exit_code == 2 and "different outputs" in clash.output
    with pytest.raises(InputError, match="up to 400 nodes"):
        diffx.export_html("sum(" + "+".join(["x"] * 450) + ")", x=1.0)


def test_non_scalar_output_and_detach():
    html = diffx.export_html("y = x*x; detach(y)*x", x=[1.0, 2.0])
    assert "seeded with ones" in html and "no gradient flows back" in html


# ---------------------------------------------------------------- in Chromium

def browser_or_skip() -> str:
    try:
        import websocket  # noqa: F401
    except ImportError:
        pytest.skip("websocket-client is not installed (pip install -e '.[test]'): the page is not driven in a browser")
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium found (apt-get install chromium): the stepping page was not tested in a browser")


class Chromium:
    """Headless Chromium on a private profile, one page, driven over the DevTools protocol."""

    def __init__(self, exe: str, profile: Path):
        import websocket
        self.proc = subprocess.Popen([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                      "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                                      f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                      "--remote-allow-origins=*", "--window-size=1200,900", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        for _ in range(POLLS):
            if port_file.exists() and port_file.read_text().strip():
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not (port_file.exists() and port_file.read_text().strip()):
            self.close()
            pytest.fail(f"{exe} did not start its DevTools endpoint")
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=HANG) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=HANG)
        self.n = 0

    def send(self, method: str, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                assert "error" not in msg, msg["error"]
                return msg.get("result", {})

    def eval(self, expression: str):
        r = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in r, r["exceptionDetails"]
        return r["result"].get("value")

    def open(self, path: Path) -> None:
        self.send("Page.navigate", url=path.as_uri())
        ready = "document.readyState === 'complete' && document.body && document.body.dataset.step"
        for _ in range(POLLS):
            if self.eval(ready) == "0":
                return
            time.sleep(0.05)
        pytest.fail(f"the page did not load after {POLLS} polls")

    def key(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key, windowsVirtualKeyCode=code)

    def state(self) -> dict:
        return self.eval("""(() => {
          const cur = document.querySelector('.dx-node.dx-current');
          const text = (g, c) => g ? g.querySelector('.dx-' + c).textContent : null;
          const now = document.querySelector('#dx-list li.dx-now');
          return {step: +document.body.dataset.step, phase: document.getElementById('dx-phase').dataset.phase,
                  lines: [...document.querySelectorAll('#dx-lines .line')].map(d => d.textContent),
                  node: cur && cur.dataset.node, val: text(cur, 'val'), tan: text(cur, 'tan'), adj: text(cur, 'adj'),
                  accumulate: !!(cur && cur.classList.contains('dx-accumulate')),
                  listed: now ? +now.dataset.step : 0, current: document.querySelectorAll('.dx-current').length};
        })()""")

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(png)
        return png

    def close(self) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    exe = browser_or_skip()
    b = Chromium(exe, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


def assert_not_blank(png: bytes, least: tuple[int, int]) -> None:
    """A PNG of at least that size whose pixels are not all one colour (read with zlib alone)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= least[0] and height >= least[1], (width, height)
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            idat += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(set(raw)) > 16, "the screenshot is blank"


@pytest.mark.parametrize("expr,at", CASES)
def test_stepping_in_chromium_matches_diffx_trace(chromium, cli, tmp_path, expr, at):
    path, t = write_page(cli, tmp_path, expr, at)
    chromium.send("Emulation.setDeviceMetricsOverride", width=1200, height=900, deviceScaleFactor=1, mobile=False)
    chromium.open(path)
    want = expected_steps(t)
    assert chromium.state()["node"] is None and chromium.state()["phase"] == "ready"
    accumulated = 0
    for k, w in enumerate(want, 1):
        chromium.key("ArrowRight", 39)
        s = chromium.state()
        assert (s["step"], s["listed"], s["current"]) == (k, k, 1), s
        assert s["lines"] == w["lines"] and s["node"] == w["node"], (k, s, w)
        for field in ("val", "tan", "adj"):
            if field in w:
                assert s[field] == w[field], (k, field, s, w)
        assert s["phase"] == ("forward" if k <= len(t["primal"]) else
                              "reverse" if k <= len(want) - len(t["at"]) else "result")
        accumulated += s["accumulate"]
        if k == len(t["primal"]) + 1:
            chromium.screenshot(tmp_path / f"step{k}.png")
    assert accumulated >= 1                  # every case has a node whose adjoint adds up several contributions
    chromium.key("ArrowRight", 39)
    assert chromium.state()["step"] == len(want)                 # the end stays the end
    chromium.key("ArrowLeft", 37)
    back = chromium.state()
    assert back["step"] == len(want) - 1 and back["lines"] == want[-2]["lines"]
    chromium.key("Home", 36)
    assert chromium.state()["step"] == 0
    chromium.key("End", 35)
    assert chromium.state()["step"] == len(want)
    assert_not_blank(chromium.screenshot(tmp_path / "end.png"), (1000, 600))


def test_the_page_reads_in_a_narrow_window(chromium, cli, tmp_path):
    path, t = write_page(cli, tmp_path, "h = W@X + b; mean(sigmoid(h))",
                         ["W=[[1,2],[3,4]]", "X=[[1,0],[0,1]]", "b=[1,2]"])
    chromium.send("Emulation.setDeviceMetricsOverride", width=390, height=800, deviceScaleFactor=1, mobile=True)
    try:
        chromium.open(path)
        for _ in range(len(t["primal"]) + 2):
            chromium.key("ArrowRight", 39)
        fits = chromium.eval("""(() => {
          const right = Math.max(...[...document.querySelectorAll('button, #dx-panel, header, #dx-graph')]
                                   .map(e => e.getBoundingClientRect().right));
          return {page: document.documentElement.scrollWidth, view: innerWidth, right: right,
                  scrolls: document.getElementById('dx-graph').scrollWidth > innerWidth};
        })()""")
        assert fits["page"] <= fits["view"] and fits["right"] <= fits["view"] + 0.5, fits
        assert fits["scrolls"]                      # the wide graph scrolls inside its own box, not the page
        assert chromium.state()["phase"] == "reverse"
        assert_not_blank(chromium.screenshot(tmp_path / "narrow.png"), (390, 700))
    finally:
        chromium.send("Emulation.clearDeviceMetricsOverride")
