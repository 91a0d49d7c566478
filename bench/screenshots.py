#!/usr/bin/env python3
"""Screenshots of the operator pages with headless Chromium, driven over the DevTools protocol
on a pipe (--remote-debugging-pipe: no extra Python packages, no open debugging port).

Logs in through the login form, visits the overview (desktop and phone widths), a case page and
the failed-work page, waits for the live refresh to run once, and fails if any page logged a
console error, threw an exception, or was refused by its Content-Security-Policy.

usage: screenshots.py BASE_URL NAME PASSWORD OUT_DIR
"""
import base64
import json
import os
import subprocess
import sys
import time


class Chromium:
    def __init__(self):
        # fd 3: what Chromium reads; fd 4: what it writes.
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        os.set_inheritable(to_chrome_r, True)
        os.set_inheritable(from_chrome_w, True)
        binary = next((b for b in ("chromium", "chromium-browser", "google-chrome") if _which(b)), None)
        if binary is None:
            sys.exit("chromium is not installed (apt-get install chromium)")
        args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
                "--remote-debugging-pipe", "about:blank"]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(to_chrome_r, 3), os.dup2(from_chrome_w, 4)))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    del self.events[index]
                    return event
            self.events.append(self._read(deadline - time.time()))
        raise TimeoutError(f"no {method} within {timeout} s")

    def _read(self, timeout=30):
        import select
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.from_chrome], [], [], max(0.01, timeout))
            if not ready:
                return {}
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _which(name):
    return any(os.access(os.path.join(p, name), os.X_OK) for p in os.environ.get("PATH", "").split(os.pathsep))


def problems(events):
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append("exception: " + params.get("exceptionDetails", {}).get("text", "?"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"log error ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
    return found


def main():
    base, name, password, out = sys.argv[1:5]
    os.makedirs(out, exist_ok=True)
    browser = Chromium()
    failures = []
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        browser.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                       session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable")

        def viewport(width, height, mobile=False):
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

        def visit(path):
            browser.events.clear()
            browser.send("Page.navigate", {"url": base + path})
            browser.wait_for("Page.loadEventFired")

        def evaluate(expression):
            result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
            if "exceptionDetails" in result:
                raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
            return result.get("result", {}).get("value")

        def shoot(file, label):
            height = evaluate("Math.ceil(document.documentElement.scrollHeight)")
            width = evaluate("document.documentElement.clientWidth")
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 1800), "scale": 1}})
            with open(os.path.join(out, file), "wb") as handle:
                handle.write(base64.b64decode(shot["data"]))
            seen = problems(browser.events)
            status = "ok" if not seen else "; ".join(seen)
            print(f"{label:<28} {file:<26} {status}")
            failures.extend(f"{label}: {p}" for p in seen)

        viewport(1280, 900)
        visit("/login")
        evaluate(f"document.querySelector('[name=name]').value = {json.dumps(name)};"
                 f"document.querySelector('[name=password]').value = {json.dumps(password)};"
                 "document.querySelector('form').submit(); true")
        browser.wait_for("Page.loadEventFired")
        if evaluate("location.pathname") != "/" or not evaluate("!!document.querySelector('[data-refresh]')"):
            sys.exit("login failed: " + str(evaluate("document.body.innerText.slice(0, 200)")))

        # The overview, once its live refresh has replaced the figures (proves the script runs under the CSP).
        deadline = time.time() + 15
        while not evaluate("document.querySelector('[data-refresh]').hasAttribute('data-refreshed')"):
            if time.time() > deadline:
                failures.append("overview: the live refresh did not run within 15 s")
                break
            time.sleep(0.25)
        shoot("overview.png", "overview (1280 px)")

        failed = json.loads(evaluate(
            "fetch('/failed?format=json', {credentials: 'same-origin'}).then(r => r.text())"))
        case_no = (failed.get("tasks") or [{}])[0].get("caseNo")
        if case_no is None:
            cases = json.loads(evaluate("fetch('/cases?format=json&limit=1', {credentials: 'same-origin'}).then(r => r.text())"))
            case_no = cases["cases"][0]["caseNo"]
        visit(f"/cases/{case_no}")
        shoot("case.png", f"case {case_no}")
        visit("/failed")
        shoot("failed-work.png", "failed work")
        visit("/cases?status=actionRequired")
        shoot("cases.png", "cases (action required)")

        viewport(390, 844, mobile=True)
        visit("/")
        shoot("overview-phone.png", "overview (390 px, phone)")
    finally:
        browser.close()
    if failures:
        print("\nconsole errors:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print(f"\nno console errors; screenshots in {out}")


if __name__ == "__main__":
    main()
