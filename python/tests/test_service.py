"""billcheck serve: a real server on a loopback port of its own (port 0), started
and stopped by each test, pass or fail, and called as an accounting package would."""

import concurrent.futures
import copy
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

import billcheck

from conftest import BUILD, ROOT, SMALL_BOOK

FIRM_CONFIG = ROOT / "examples" / "firm" / "billcheck.yaml"


class Server:
    """A `billcheck serve` process; its access log goes to a file, never to a pipe
    nobody reads."""

    def __init__(self, exe, tmp_path, *args):
        self.log_path = tmp_path / f"serve-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([exe, "serve", "--port", "0", *map(str, args)], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, cwd=ROOT)
        line = self.proc.stdout.readline()
        match = re.match(r"billcheck: listening on http://127\.0\.0\.1:(\d+)$", line.strip())
        if not match:
            self.stop()
            raise AssertionError(f"serve did not start: {line!r}\n{self.log_path.read_text()}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, dict(res.getheaders()), res.read()
        finally:
            conn.close()

    def check(self, book, path="/v1/check", content_type="application/json", headers=None):
        body = book if isinstance(book, (str, bytes)) else json.dumps(book)
        return self.request("POST", path, body, {"Content-Type": content_type, **(headers or {})})

    def log_text(self):
        self.log.flush()
        return self.log_path.read_text()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def metrics_eventually(server, *texts):
    """/metrics once it holds every text: a request is counted just after its
    answer is written, so the client can be a moment ahead of the count."""
    deadline = time.monotonic() + 20
    while True:
        metrics = server.request("GET", "/metrics")[2].decode()
        if all(t in metrics for t in texts) or time.monotonic() > deadline:
            return metrics
        time.sleep(0.05)


@pytest.fixture
def serve(exe, tmp_path):
    """Starts servers with the given arguments; every one is stopped when the test ends."""
    started = []

    def start(*args):
        server = Server(exe, tmp_path, *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def firm_json(tmp_path_factory, exe):
    """The example firm as one JSON book (what a package would POST)."""
    folder = tmp_path_factory.mktemp("firm")
    subprocess.run([exe, "convert", ROOT / "examples" / "firm", folder / "firm.json"], check=True,
                   capture_output=True)
    return folder / "firm.json"


def cli_json(exe, book, *args):
    """`billcheck check BOOK --format json` run beside the book, so locations read BOOK's name."""
    out = subprocess.run([exe, "check", book.name, "--format", "json", "-c", FIRM_CONFIG, *args],
                         capture_output=True, cwd=book.parent, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


SCHEMAS = ROOT / "docs" / "schema"


def validate(instance, schema_name):
    """Checks `instance` against docs/schema/SCHEMA_NAME (the contracts published with the C API)."""
    import jsonschema
    jsonschema.validate(instance, json.loads((SCHEMAS / schema_name).read_text()))


def error_of(body):
    document = json.loads(body)
    validate(document, "error.schema.json")
    error = document["error"]
    assert set(error) == {"code", "message", "problems"}
    return error


def test_service_check_is_the_cli_report_byte_for_byte(serve, exe, firm_json):
    server = serve("-c", FIRM_CONFIG)
    status, headers, body = server.check(firm_json.read_bytes(), "/v1/check?name=firm.json")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body == cli_json(exe, firm_json)
    assert json.loads(body)["findings"], "the example firm has planted errors"

    status, _, body = server.check(firm_json.read_bytes(), "/v1/check?name=firm.json&invoice=HR-115")
    assert status == 200
    assert body == cli_json(exe, firm_json, "--invoice", "HR-115")


def test_service_checks_a_ledes_file_sent_as_text_plain(serve, exe, tmp_path):
    ledes = tmp_path / "firm.ledes"
    subprocess.run([exe, "convert", ROOT / "examples" / "firm", ledes], check=True, capture_output=True)
    server = serve("-c", FIRM_CONFIG)
    status, _, body = server.check(ledes.read_bytes(), "/v1/check?name=firm.ledes", content_type="text/plain")
    assert status == 200
    assert body == cli_json(exe, ledes)


def test_service_outputs_match_the_published_schemas(serve, firm_json):
    server = serve("-c", FIRM_CONFIG)
    _, _, body = server.check(firm_json.read_bytes())
    validate(json.loads(body), "report.schema.json")
    _, _, body = server.check(firm_json.read_bytes(), "/v1/check?invoice=HR-115")
    validate(json.loads(body), "report.schema.json")
    status, _, body = server.check(firm_json.read_bytes(), "/v1/fix")
    assert status == 200
    validate(json.loads(body)["book"], "book.schema.json")


def test_service_needs_the_token_when_given_one(serve, tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    server = serve("--token-file", token)
    status, headers, body = server.check(SMALL_BOOK)
    assert status == 401 and error_of(body)["code"] == "unauthorized"
    assert headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in error_of(body)["message"]
    status, _, body = server.check(SMALL_BOOK, headers={"Authorization": "Bearer s3cret-tokem"})
    assert status == 401 and error_of(body)["code"] == "unauthorized"
    status, _, body = server.request("GET", "/health", headers={"Authorization": "Bearer s3cret"})
    assert status == 401
    status, _, body = server.check(SMALL_BOOK, headers={"Authorization": "Bearer s3cret-token"})
    assert status == 200 and "findings" in json.loads(body)


def test_service_refuses_an_open_address_without_a_token(exe):
    out = subprocess.run([exe, "serve", "--listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a token" in out.stderr
    assert out.stdout == ""


def test_service_answers_413_to_a_body_over_the_limit_and_keeps_serving(serve):
    server = serve("--max-body", "1K")
    status, _, body = server.check("x" * 5000)
    assert status == 413
    assert error_of(body) == {"code": "too_large", "problems": [],
                              "message": "the body is over the service's limit of 1024 bytes (billcheck serve --max-body)"}
    # Chunked, so the size is only known while reading.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/v1/check", body=iter([b"{" * 700, b" " * 700]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    res = conn.getresponse()
    assert res.status == 413 and error_of(res.read())["code"] == "too_large"
    conn.close()
    assert server.request("GET", "/health")[0] == 200


def test_service_lists_every_located_problem_of_a_book_that_does_not_load(serve):
    server = serve()
    status, _, body = server.check('{"invoices": [')
    assert status == 400
    error = error_of(body)
    assert error["code"] == "bad_book"
    assert error["problems"][0]["file"] == "<body>" and error["problems"][0]["line"] == 1

    book = copy.deepcopy(SMALL_BOOK)
    book["invoices"][0]["issue_date"] = "2026-02-30"
    book["invoices"][1]["issue_date"] = "yesterday"
    text = json.dumps(book, indent=1)
    status, _, body = server.check(text, "/v1/check?name=small.json")
    assert status == 400
    problems = error_of(body)["problems"]
    assert len(problems) == 2
    for p in problems:
        assert p["file"] == "small.json" and p["line"] and "issue_date" in p["message"]
    lines = text.splitlines()
    assert "2026-02-30" in lines[problems[0]["line"] - 1]


def test_service_errors_are_json_with_the_right_status(serve):
    server = serve()
    status, _, body = server.check(SMALL_BOOK, content_type="application/x-www-form-urlencoded")
    assert status == 415 and error_of(body)["code"] == "unsupported_media_type"
    status, _, body = server.check(SMALL_BOOK, "/v1/check?invoce=INV-1")
    assert status == 400 and error_of(body)["code"] == "bad_request"
    assert "unknown parameter 'invoce'" in error_of(body)["message"]
    status, _, body = server.check(SMALL_BOOK, "/v1/check?invoice=NOPE")
    assert status == 404 and error_of(body) == {"code": "not_found", "message": "no invoice 'NOPE' in the book",
                                                "problems": []}
    status, headers, body = server.request("GET", "/v1/check")
    assert status == 405 and error_of(body)["code"] == "method_not_allowed" and headers["Allow"] == "POST"
    status, _, body = server.request("GET", "/v2/everything")
    assert status == 404 and error_of(body)["code"] == "not_found"
    status, _, body = server.request("POST", "/v1/check", b"", {"Content-Type": "application/json"})
    assert status == 400 and error_of(body)["code"] == "bad_request"
    # A request line httplib itself rejects gets the same JSON shape.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"NONSENSE\r\n\r\n")
        reply = b""
        while b'"problems"' not in reply and (chunk := s.recv(65536)):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400") and b'"code":"bad_request"' in reply


def test_an_unreadable_request_closes_the_connection_and_nothing_after_it_runs(serve):
    # A request line httplib cannot read: what follows it (here a second request in its
    # "body") must not be read as the next request on the connection.
    server = serve()
    inner = b"GET /v1/nonexistent HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"BREW /health HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(inner) + inner)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    assert reply.count(b"HTTP/1.1 ") == 1 and reply.startswith(b"HTTP/1.1 400")
    assert b"Connection: close" in reply
    # Two lengths, or one that is no number: the body's end is anybody's guess.
    for lengths in (b"Content-Length: 2\r\nContent-Length: 50\r\n", b"Content-Length: -5\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + lengths +
                      b"\r\n{}")
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 400") and b"Content-Length is not one whole number" in reply, lengths


def test_service_survives_a_body_cut_short(serve):
    server = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n" + json.dumps(SMALL_BOOK).encode()[:200])
    # The client is gone mid-upload; the server answers the next one as usual.
    status, _, body = server.check(small_book_numbered(1))
    assert status == 200 and json.loads(body)["findings"]
    deadline = time.monotonic() + 10
    while '"POST /v1/check" 400' not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert '"POST /v1/check" 400' in server.log_text()


def test_service_cuts_off_a_client_sending_a_byte_a_second(serve):
    server = serve("--read-timeout", "2")
    body = json.dumps(SMALL_BOOK).encode()
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    slow_headers = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        slow.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        started = time.monotonic()
        reply = b""
        for i, byte in enumerate(body):
            try:
                slow.sendall(bytes([byte]))
                slow_headers.sendall(b"GET /health HTTP/1.1\r\n"[i:i + 1])
            except OSError:
                break
            # Others are served meanwhile.
            assert server.request("GET", "/health", timeout=5)[0] == 200
            time.sleep(1)
            if time.monotonic() - started > 8:
                break
            slow.setblocking(False)
            try:
                reply += slow.recv(65536)
            except BlockingIOError:
                pass
            slow.setblocking(True)
            if reply:
                break
        elapsed = time.monotonic() - started
        slow.settimeout(5)
        try:
            while True:
                chunk = slow.recv(65536)
                if not chunk:
                    break
                reply += chunk
        except OSError:
            pass
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert b'"code":"timeout"' in reply
        assert elapsed < 6
        # The client trickling its headers is closed without an answer.
        slow_headers.settimeout(5)
        assert slow_headers.recv(65536) == b""
    finally:
        slow.close()
        slow_headers.close()
    assert server.check(SMALL_BOOK)[0] == 200


def test_idle_connections_do_not_hold_up_other_requests(serve):
    # As many idle connections as threads (and more): some never sent a byte, some
    # sent one request and stay open (keep-alive). Each held a thread for its whole
    # timeout (10 s, 5 s), so every other request waited that long.
    server = serve("--threads", "16")
    sockets = []
    try:
        for _ in range(16):
            kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            kept.request("GET", "/health")
            assert kept.getresponse().read() == b'{"status": "ok"}\n'
            sockets.append(kept)
        for _ in range(20):
            sockets.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
        time.sleep(0.5)
        for path, body in (("/health", None), ("/v1/check", json.dumps(SMALL_BOOK))):
            started = time.monotonic()
            if body is None:
                status, _, answer = server.request("GET", path, timeout=10)
            else:
                status, _, answer = server.check(body)
            elapsed = time.monotonic() - started
            assert status == 200, answer
            assert elapsed < 2, f"{path} took {elapsed:.1f} s behind idle connections"
    finally:
        for s in sockets:
            s.close()


def test_a_first_request_a_moment_late_is_answered_while_another_waits(serve):
    # One thread: a client connects and sends its request 300 ms later while
    # another connection waits for the thread. It was closed without an answer
    # after a 100 ms tick (the idle-connection rule applied before any request).
    server = serve("--threads", "1")
    late = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    other = None
    try:
        time.sleep(0.1)
        other = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        other.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        time.sleep(0.3)
        late.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        for sock in (late, other):
            reply = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 200"), reply
            assert reply.endswith(b'{"status": "ok"}\n'), reply
    finally:
        late.close()
        if other is not None:
            other.close()


def small_book_numbered(n):
    """SMALL_BOOK with ids and amounts of its own: invoice INV-n-1 has a line whose
    amount is off by a dollar and n cents, so each response's findings can be told apart."""
    book = copy.deepcopy(SMALL_BOOK)
    for client in book["clients"]:
        client["client_id"] += f"-{n}"
    for record in book["engagements"] + book["rates"] + book["invoices"] + book["invoice_lines"] + book["payments"]:
        for key in ("client_id", "engagement_id", "invoice_id"):
            if key in record:
                record[key] += f"-{n}"
    book["invoice_lines"][1]["amount"] = f"{751 + n / 100:.2f}"
    return book


def test_service_answers_200_concurrent_requests_each_with_its_own_findings(serve):
    server = serve("--threads", "32")

    def one(n):
        status, _, body = server.check(small_book_numbered(n))
        return n, status, json.loads(body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, range(1, 201)))
    for n, status, report in results:
        assert status == 200
        invoices = {f.get("invoice") for f in report["findings"] if f.get("invoice")}
        assert invoices and all(i.endswith(f"-{n}") for i in invoices), (n, invoices)
        amounts = [f for f in report["findings"] if f["rule"] == "arithmetic.line-amount"]
        assert len(amounts) == 1 and amounts[0]["evidence"]["actual"] == f"{751 + n / 100:.2f}"
    assert server.request("GET", "/health")[0] == 200
    metrics = metrics_eventually(server, 'billcheck_http_requests_total{route="/v1/check",status="200"} 200')
    assert 'billcheck_http_requests_total{route="/v1/check",status="200"} 200' in metrics
    assert "billcheck_books_checked_total 200" in metrics


def test_service_drains_requests_in_flight_on_sigterm(serve):
    server = serve()
    body = json.dumps(small_book_numbered(1)).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
        s.sendall(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[:50])
        time.sleep(0.3)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None, "the request in flight must be answered first"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        s.sendall(body[50:])
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, payload = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(payload)["findings"]
    assert server.proc.wait(timeout=20) == 0


def test_a_rule_in_process_that_calls_exit_ends_the_service_with_status_2_not_0(serve, tmp_path):
    """A third-party rule run in process (python_isolate: false) that calls the C
    library's exit(0) ends the service: with 2 and a message, never with 0, which
    a supervisor would read as a stop asked for."""
    rules = ROOT / "tests" / "data" / "isolation" / "py_libcexit.py"
    config = tmp_path / "billcheck.yaml"
    config.write_text(f"python: ['{rules}']\npython_isolate: false\n")
    server = serve("-c", config)
    assert server.check(SMALL_BOOK)[0] == 200  # no BOOM line: the rule does nothing
    book = copy.deepcopy(SMALL_BOOK)
    book["invoice_lines"][0]["description"] = "BOOM Review lease"
    with pytest.raises((http.client.HTTPException, OSError)):
        server.check(book)
    assert server.proc.wait(timeout=20) == 2
    log = server.log_text()
    assert ("billcheck: a plugin or rule file (while it was loaded or its rules ran) ended the program (it called "
            "exit); the service stopped, and the requests it was answering got no answer. Report this to the rule's "
            "author, or run it isolated") in log


def test_service_reloads_its_config_on_sighup_and_keeps_the_old_one_when_the_new_is_bad(serve, tmp_path):
    config = tmp_path / "billcheck.yaml"
    config.write_text("rules:\n  arithmetic.line-amount: off\n")
    book = small_book_numbered(7)
    server = serve("-c", config)

    def line_amount_findings():
        status, _, body = server.check(book)
        assert status == 200
        return [f for f in json.loads(body)["findings"] if f["rule"] == "arithmetic.line-amount"]

    def wait_for_metric(text):
        assert text in metrics_eventually(server, text)

    assert line_amount_findings() == []
    config.write_text("rules:\n  arithmetic.line-amount: {severity: warning}\n")
    # Requests keep being answered while the engine is swapped.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        running = [pool.submit(server.check, book) for _ in range(20)]
        server.proc.send_signal(signal.SIGHUP)
        assert all(f.result()[0] == 200 for f in running)
    wait_for_metric('billcheck_config_reloads_total{result="accepted"} 1')
    found = line_amount_findings()
    assert len(found) == 1 and found[0]["severity"] == "warning"

    config.write_text("rules:\n  arithmetic.no-such-rule: off\n")
    server.proc.send_signal(signal.SIGHUP)
    wait_for_metric('billcheck_config_reloads_total{result="refused"} 1')
    assert len(line_amount_findings()) == 1, "the old config stays"
    assert "no-such-rule" in server.log_text()
    assert "was refused; still serving with the one loaded before" in server.log_text()


def test_port_0_prints_the_port_it_listens_on_as_the_one_line_on_stdout(exe, tmp_path):
    """docs/hosting.md: a script starting `serve --port 0` reads the port from stdout, even with -q; the
    log goes to stderr."""
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([exe, "serve", "--port", "0", "-q"], stdout=subprocess.PIPE, stderr=log, text=True,
                                cwd=ROOT)
        try:
            line = proc.stdout.readline()
            match = re.fullmatch(r"billcheck: listening on http://127\.0\.0\.1:(\d+)\n", line)
            assert match, line
            port = int(match.group(1))
            assert port != 0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health")
            response = conn.getresponse()
            assert (response.status, json.loads(response.read())) == (200, {"status": "ok"})
            conn.close()
        finally:
            proc.terminate()
            rest, _ = proc.communicate(timeout=20)
    assert rest == ""  # nothing else on stdout
    assert "listening" not in log_path.read_text()


def test_service_lists_rules_and_plugins_and_reports_health_and_metrics(serve, run_cli):
    server = serve()
    status, _, body = server.request("GET", "/health")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    rules = json.loads(server.request("GET", "/v1/rules")[2])["rules"]
    listed = run_cli("rules").stdout
    assert f"{len(rules)} rules." in listed
    assert {"id", "title", "category", "severity", "scope", "description", "origin", "options"} <= set(rules[0])
    plugins = json.loads(server.request("GET", "/v1/plugins")[2])["plugins"]
    assert plugins and all(p["loaded"] for p in plugins if not p["disabled"])
    server.check(small_book_numbered(1))
    metrics = metrics_eventually(server, 'billcheck_http_request_duration_seconds_count{route="/v1/check"} 1')
    assert 'billcheck_http_requests_total{route="/v1/rules",status="200"} 1' in metrics
    assert 'billcheck_http_request_duration_seconds_count{route="/v1/check"} 1' in metrics
    assert re.search(r'billcheck_findings_total\{category="[a-z-]+"\} [1-9]', metrics)
    assert "billcheck_books_checked_total 1" in metrics


def test_service_lists_a_plugins_rules_refused_at_registration(serve, run_cli, tmp_path):
    # The test plugin registers a rule of severity 7 and an id twice: the host refuses both, runs the rest.
    config = tmp_path / "refused.yaml"
    config.write_text(f"plugins:\n  search_paths: ['{BUILD / 'tests' / 'test-plugins' / 'refused-rules'}']\n")
    server = serve("-c", config)
    plugins = json.loads(server.request("GET", "/v1/plugins")[2])["plugins"]
    testrefuse = next(p for p in plugins if p["name"] == "testrefuse")
    assert testrefuse["loaded"] and testrefuse["rules"] == ["testrefuse.marker"]
    assert [r["id"] for r in testrefuse["refused_rules"]] == ["testrefuse.bad-severity", "testrefuse.marker"]
    assert testrefuse["refused_rules"][0]["reason"].startswith("refused at registration: its severity (7)")
    assert all(p["refused_rules"] == [] for p in plugins if p["name"] != "testrefuse")
    # The CLI lists the same, under the plugin.
    listed = run_cli("plugins", "--config", str(config)).stdout
    assert "  testrefuse.bad-severity: refused at registration: its severity (7)" in listed


def test_service_remedies_are_the_cli_remedies(serve, exe, firm_json, tmp_path):
    server = serve("-c", FIRM_CONFIG)
    book = firm_json.read_bytes()

    def cli(*args):
        out = subprocess.run([exe, *args, "-c", FIRM_CONFIG], capture_output=True, cwd=firm_json.parent, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    status, headers, body = server.check(book, "/v1/explain?name=firm.json&invoice=HR-115&line=3&format=md")
    assert status == 200 and headers["Content-Type"].startswith("text/markdown")
    assert body == cli("explain", "firm.json", "--invoice", "HR-115", "--line", "3", "--format", "md")

    status, headers, body = server.check(book, "/v1/letter?name=firm.json&client=C-300&invoice=HR-115")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert body == cli("letter", "firm.json", "--client", "C-300", "--invoice", "HR-115")

    status, _, body = server.check(book, "/v1/fix?name=firm.json")
    assert status == 200
    fixed = json.loads(body)
    out = tmp_path / "fixed.json"
    summary = json.loads(cli("fix", "firm.json", "--out", out, "--format", "json"))
    assert fixed["summary"] == summary
    assert fixed["book"] == json.loads(out.read_text())

    # ?reissue=true is `fix --reissue`; another value is a 400 that says what to give.
    status, _, body = server.check(book, "/v1/fix?name=firm.json&reissue=true")
    assert status == 200
    reissued = tmp_path / "reissued.json"
    summary = json.loads(cli("fix", "firm.json", "--out", reissued, "--format", "json", "--reissue"))
    assert json.loads(body)["summary"] == summary and summary["reissued"]
    assert json.loads(body)["book"] == json.loads(reissued.read_text())
    status, _, body = server.check(book, "/v1/fix?name=firm.json&reissue=yes")
    assert status == 400 and "reissue is true or false" in error_of(body)["message"]

    status, _, body = server.check(book, "/v1/explain?invoice=NOPE")
    assert status == 404 and error_of(body)["code"] == "not_found"
    status, _, body = server.check(book, "/v1/letter")
    assert status == 400 and "?client=ID" in error_of(body)["message"]


def test_service_fix_with_goodwill_and_reissue_is_the_clis(serve, exe, firm_json, tmp_path):
    # docs/remedies.md's goodwill.yaml: the example firm's config and a goodwill policy.
    config = tmp_path / "goodwill.yaml"
    config.write_text(FIRM_CONFIG.read_text() + "remedies:\n  goodwill: {percent: 5, cap: {USD: 200, EUR: 500, "
                      "JPY: 10000}, min_overcharge: 100, approve_above: {EUR: 400}}\n")
    server = serve("-c", config)
    for reissue in (False, True):
        status, _, body = server.check(firm_json.read_bytes(), f"/v1/fix?name=firm.json&reissue={str(reissue).lower()}")
        assert status == 200, body
        out = tmp_path / f"fixed-{reissue}.json"
        cli = subprocess.run([exe, "fix", "firm.json", "--out", out, "--format", "json", "-c", config,
                              *(["--reissue"] if reissue else [])], capture_output=True, cwd=firm_json.parent, timeout=120)
        assert cli.returncode == 0, cli.stderr
        served = json.loads(body)
        assert served["summary"] == json.loads(cli.stdout)
        assert served["book"] == json.loads(out.read_text())
        assert {g["currency"] for g in served["summary"]["goodwill"]} == {"EUR", "GBP", "JPY", "USD"}
        goodwill = {n["invoice_id"] for n in served["book"]["credit_notes"] if n.get("reason_code") == "goodwill"}
        assert ("NW-2025-07-R1" if reissue else "NW-2025-07") in goodwill


def test_openapi_document_lists_exactly_the_routes_served(serve, run_cli, tmp_path):
    import yaml
    spec = yaml.safe_load((ROOT / "docs" / "schema" / "openapi.yaml").read_text())
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    routes = run_cli("serve", "--routes")
    assert routes.returncode == 0
    served = {tuple(line.split(" ")) for line in routes.stdout.splitlines()}
    assert documented == served
    # And the server really has them: none is answered "no route" or 405. A
    # path's {parameter} stands for a record the store does not have (404 from the route).
    server = serve("--store", tmp_path / "record.db")
    for method, path in sorted(served):
        status, _, body = server.request(method, path, b"{}" if method == "POST" else None,
                                         {"Content-Type": "application/json"})
        assert status != 405, (method, path, status)
        if status == 404:
            assert "{" in path and not error_of(body)["message"].startswith("no route"), (method, path, body)


def test_node_example_calls_the_service_with_fetch(serve, exe, firm_json):
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    server = serve("-c", FIRM_CONFIG)
    out = subprocess.run([node, ROOT / "examples" / "node" / "check.mjs", firm_json], capture_output=True,
                         timeout=60, env=dict(os.environ, BILLCHECK_URL=server.url))
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report == json.loads(server.check(firm_json.read_bytes())[2])
    assert "findings" in out.stderr.decode()


def test_curl_example_checks_a_book(serve, firm_json):
    if not shutil.which("curl"):
        pytest.skip("curl is not installed")
    server = serve("-c", FIRM_CONFIG)
    out = subprocess.run(["sh", ROOT / "examples" / "curl" / "check.sh", firm_json], capture_output=True,
                         timeout=60, env=dict(os.environ, BILLCHECK_URL=server.url))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(server.check(firm_json.read_bytes())[2])


def test_service_stops_on_sigint_without_waiting_for_idle_connections(serve):
    server = serve()
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    idle.request("GET", "/health")
    assert idle.getresponse().read() == b'{"status": "ok"}\n'
    # The connection stays open (keep-alive) and idle: it must not hold the exit.
    started = time.monotonic()
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 3
    idle.close()
    assert re.search(r'^\S+Z billcheck: 127\.0\.0\.1 "GET /health" 200 17 [0-9.]+ms$', server.log_text(), re.M)


def test_service_answers_503_when_no_turn_comes_within_the_queue_wait(serve):
    server = serve("--max-checks", "1", "--queue-wait", "0.001", "--threads", "16")
    book = small_book_numbered(3)
    line = book["invoice_lines"][0]
    book["invoice_lines"] = [dict(line, line_no=i, amount="1000.00") for i in range(1, 3001)]
    body = json.dumps(book)
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda _: server.check(body), range(12)))
    statuses = sorted(status for status, _, _ in answers)
    assert set(statuses) <= {200, 503} and 200 in statuses and 503 in statuses, statuses
    for status, headers, body in answers:
        if status == 503:
            assert error_of(body)["code"] == "busy" and headers["Retry-After"] == "1"


# ---- the record: /v1/runs, /v1/findings, /v1/disputes (a real SQLite file)

def post_json(server, path, document):
    return server.request("POST", path, json.dumps(document), {"Content-Type": "application/json"})


def test_what_reaches_the_record_is_checked_as_the_cli_checks_it(serve, firm_json, tmp_path):
    store = tmp_path / "record.db"
    server = serve("-c", FIRM_CONFIG, "--store", store)
    book = firm_json.read_bytes()
    bad = [
        ("/v1/check?record=true&by=%ffxx", "query parameter 'by' is not UTF-8 text"),
        ("/v1/check?record=true&by=%0Axx", "by: give who acts, 1 to 200 characters of UTF-8 text, no control"),
        ("/v1/check?record=true&by=" + "x" * 201, "by: give who acts, 1 to 200 characters"),
        ("/v1/disputes?invoice=BM-0070&reason=rate&says=caf%E9", "query parameter 'says' is not UTF-8 text"),
    ]
    for path, words in bad:
        status, _, body = server.check(book, path)
        assert status == 400 and words in error_of(body)["message"], path
    for path, words in [("/v1/findings?status=bogus", "status 'bogus' is not one of open, acknowledged"),
                        ("/v1/disputes?state=bogus", "state 'bogus' is not one of open, acknowledged")]:
        status, _, body = server.request("GET", path)
        assert status == 400 and words in error_of(body)["message"], path
    assert not store.exists() or billcheck.Store(store).runs().empty


def test_record_routes_keep_the_same_record_as_the_cli(serve, run_cli, firm_json, tmp_path):
    store = tmp_path / "record.db"
    server = serve("-c", FIRM_CONFIG, "--store", store, "--by", "service-user")
    book = firm_json.read_bytes()

    def cli_json_of(*args):
        out = run_cli(*args, "--store", store, "--format", "json", "-c", FIRM_CONFIG)
        assert out.returncode in (0, 1), out.stderr
        return out.stdout.encode()

    # A recorded check: the report carries the history, the run is in the record.
    status, headers, body = server.check(book, "/v1/check?name=firm.json&record=true&by=ana")
    assert status == 200 and headers["Billcheck-Run"] == "1"
    report = json.loads(body)
    validate(report, "report.schema.json")
    assert all(f["history"]["status"] == "new" for f in report["findings"])
    status, _, body = server.request("GET", "/v1/runs")
    runs = json.loads(body)["runs"]
    assert status == 200 and len(runs) == 1 and runs[0]["book"] == "firm.json" and runs[0]["actor"] == "ana"
    assert body == cli_json_of("runs")

    # The findings, filtered as `billcheck findings` filters them, byte for byte.
    status, _, body = server.request("GET", "/v1/findings?status=open&invoice=HR-115")
    assert status == 200 and body == cli_json_of("findings", "--status", "open", "--invoice", "HR-115")
    (finding,) = [f for f in json.loads(body)["findings"] if f["rule"] == "arithmetic.line-amount"]
    fingerprint = finding["fingerprint"]
    status, _, body = server.request("GET", f"/v1/findings/{fingerprint}")
    assert status == 200 and json.loads(body)["status"] == "open"

    # Moves: a resolve without its remedy is refused, an amount must stay exact, a move
    # the state does not allow is a conflict that names the allowed ones.
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "resolve"})
    assert status == 400 and "remedy" in error_of(body)["message"]
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}",
                                {"action": "resolve", "remedy": {"kind": "credit-note", "amount": 100}})
    assert status == 400 and "as a string" in error_of(body)["message"]
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "ack", "bogus": 1})
    assert status == 400 and "unknown key 'bogus'" in error_of(body)["message"]
    status, _, body = server.request("POST", f"/v1/findings/{fingerprint}", "{not json", {"Content-Type": "application/json"})
    assert status == 400 and error_of(body)["message"].startswith("the body is not JSON")
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "ack", "note": "checking", "by": "bob"})
    assert status == 200
    moved = json.loads(body)
    assert moved["status"] == "acknowledged" and moved["status_by"] == "bob" and moved["note"] == "checking"
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "ack"})
    assert status == 409 and error_of(body)["code"] == "conflict" and "allowed: resolve" in error_of(body)["message"]
    status, _, body = server.request("GET", "/v1/findings/ffffffffffffffff")
    assert status == 404 and error_of(body)["code"] == "not_found"

    # A client's dispute, opened on the book in the body: the rules confirm the client's point.
    status, _, body = server.check(book, "/v1/disputes?invoice=HR-115&line=3&reason=arithmetic"
                                         "&says=Line%203%20does%20not%20add%20up&received=2026-01-05&by=carol&name=firm.json")
    assert status == 201, body
    dispute = json.loads(body)
    assert dispute["id"] == 1 and dispute["client"] == "C-300" and dispute["opened_by"] == "carol"
    assert dispute["findings"] == [fingerprint] and dispute["respond_by"] == "2026-01-10"
    status, _, body = server.check(book, "/v1/disputes?invoice=NOPE&reason=rate&says=x")
    assert status == 404 and error_of(body)["code"] == "not_found"
    status, _, body = server.check(book, "/v1/disputes?invoice=HR-115&reason=rate")
    assert status == 400 and "says" in error_of(body)["message"]
    status, _, body = server.check(book, "/v1/disputes?invoice=HR-115&line=99&reason=rate&says=x")
    assert status == 404 and "invoice HR-115 has no line '99'" in error_of(body)["message"]

    status, _, body = post_json(server, "/v1/disputes/1/notes",
                                {"channel": "email", "direction": "out", "text": "We are looking into it."})
    assert status == 201 and json.loads(body)["notes"][0]["text"] == "We are looking into it."
    status, _, body = post_json(server, "/v1/disputes/1", {"action": "uphold", "remedy": {"kind": "credit-note"}})
    assert status == 409 and "allowed: ack" in error_of(body)["message"]
    for action in ("ack", "investigate"):
        assert post_json(server, "/v1/disputes/1", {"action": action, "by": "dave"})[0] == 200
    status, _, body = post_json(server, "/v1/disputes/1", {
        "action": "uphold", "note": "the client is right",
        "remedy": {"kind": "credit-note", "id": "CN-HR-115-1", "amount": "100.00"}})
    assert status == 200, body
    upheld = json.loads(body)
    assert upheld["state"] == "upheld" and upheld["remedy"]["amount"] == "100.00"
    status, _, body = post_json(server, "/v1/disputes/1", {"action": "investigate"})
    assert status == 409
    status, _, body = server.request("GET", "/v1/disputes/1")
    assert status == 200 and body == cli_json_of("dispute", "show", "1")
    status, _, body = server.request("GET", "/v1/disputes?state=upheld")
    assert status == 200 and [d["id"] for d in json.loads(body)["disputes"]] == [1]
    status, _, body = server.request("GET", "/v1/disputes/abc")
    assert status == 404

    # The finding the dispute confirmed was resolved by the same remedy, and the trail is whole.
    status, _, body = server.request("GET", f"/v1/findings/{fingerprint}")
    assert json.loads(body)["status"] == "resolved"
    status, _, body = server.request("GET", "/v1/audit")
    assert status == 200 and json.loads(body)["intact"] is True
    head = json.loads(body)["head"]
    status, _, body = server.request("GET", "/v1/audit?anchor=" + head)
    assert status == 200 and json.loads(body)["intact"] is True
    status, _, body = server.request("GET", "/v1/audit?anchor=" + head.split(":")[0] + ":" + "0" * 64)
    assert status == 200 and json.loads(body)["intact"] is False and "another hash" in json.loads(body)["problem"]
    status, _, body = server.request("GET", "/v1/audit?anchor=x")
    assert status == 400 and error_of(body)["code"] == "bad_request"
    assert run_cli("audit", "verify", "--store", store, "-c", FIRM_CONFIG).returncode == 0
    status, _, body = server.request("GET", "/v1/overdue?today=2026-02-01")
    assert status == 200 and json.loads(body) == {"disputes": [], "instalments": []}


def test_record_routes_without_a_store_say_how_to_give_one(serve, firm_json):
    server = serve()
    for path in ("/v1/findings", "/v1/disputes/1", "/v1/runs"):
        status, _, body = server.request("GET", path)
        assert status == 404 and error_of(body)["code"] == "no_store" and "--store" in error_of(body)["message"]
    status, _, body = server.check(firm_json.read_bytes(), "/v1/check?record=true")
    assert status == 404 and error_of(body)["code"] == "no_store"


def test_serve_refuses_to_start_on_a_file_that_is_not_a_store(exe, tmp_path):
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("my notes\n")
    out = subprocess.run([exe, "serve", "--port", "0", "--store", not_a_store], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 2 and "is not a billcheck store" in out.stderr
    assert not_a_store.read_text() == "my notes\n"


def test_service_check_writes_every_report_format_the_cli_writes(serve, exe, firm_json, tmp_path):
    server = serve("-c", FIRM_CONFIG)
    book = firm_json.read_bytes()
    for fmt, media in (("text", "text/plain; charset=utf-8"), ("html", "text/html; charset=utf-8"),
                       ("csv", "text/csv; charset=utf-8")):
        status, headers, body = server.check(book, f"/v1/check?name=firm.json&format={fmt}")
        assert status == 200 and headers["Content-Type"] == media, (fmt, body[:200])
        out = subprocess.run([exe, "check", "firm.json", "--format", fmt, "-c", FIRM_CONFIG],
                             capture_output=True, cwd=firm_json.parent, timeout=120, env=dict(os.environ, NO_COLOR="1"))
        assert out.returncode == 1, out.stderr
        assert body == out.stdout, fmt
    status, headers, body = server.check(book, "/v1/check?format=xlsx")
    assert status == 200 and body[:2] == b"PK"
    import openpyxl
    (tmp_path / "r.xlsx").write_bytes(body)
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames == ["Findings", "Summary", "Causes"]
    status, _, body = server.check(book, "/v1/check?format=pdf")
    assert status == 400 and "format: 'pdf'" in error_of(body)["message"]


def recorded_server(serve, firm_json, tmp_path):
    """A server with a record: the example firm checked into it, and a dispute opened on HR-115.
    Returns the server, a finding's fingerprint and the dispute's number."""
    server = serve("-c", FIRM_CONFIG, "--store", tmp_path / "record.db")
    status, _, body = server.check(firm_json.read_bytes(), "/v1/check?name=firm.json&record=true")
    assert status == 200, body
    status, _, body = server.request("GET", "/v1/findings?invoice=HR-115")
    fingerprint = json.loads(body)["findings"][0]["fingerprint"]
    status, _, body = server.check(firm_json.read_bytes(), "/v1/disputes?invoice=HR-115&line=3&reason=arithmetic"
                                                           "&says=Line%203%20does%20not%20add%20up")
    assert status == 201, body
    return server, fingerprint, json.loads(body)["id"]


def test_move_errors_name_the_json_keys_not_the_cli_flags(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    cases = [
        (f"/v1/findings/{fingerprint}", {"action": "waive"},
         "reason: waiving a finding needs the reason it is accepted"),
        (f"/v1/findings/{fingerprint}", {"action": "resolve"},
         'remedy: resolving a finding needs its remedy, {"kind", "id", "amount"}'),
        (f"/v1/findings/{fingerprint}", {"action": "resolve", "remedy": {"kind": "payment-plan", "amount": "100.00"}},
         'remedy.instalments: a payment plan needs its instalments, [{"amount": "100.00", "due": "YYYY-MM-DD"}, ...]'),
        (f"/v1/disputes/{dispute}", {"action": "uphold"},
         'remedy: upholding a dispute needs its remedy, {"kind", "id", "amount"}'),
        (f"/v1/disputes/{dispute}", {"action": "explain", "explanation": ""},
         "explanation: explaining a dispute needs the explanation given to the client"),
    ]
    for path, move, message in cases:
        status, _, body = post_json(server, path, move)
        assert status == 400, (move, body)
        assert error_of(body) == {"code": "bad_request", "message": message, "problems": []}, move
    # Nothing was moved by the refused requests.
    status, _, body = server.request("GET", f"/v1/findings/{fingerprint}")
    assert json.loads(body)["status"] == "open"
    status, _, body = server.request("GET", f"/v1/disputes/{dispute}")
    assert json.loads(body)["state"] == "open"


def test_an_empty_or_mistyped_body_says_what_the_route_expects(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    expects = {
        "/v1/check": "the book as application/json, or a LEDES 1998B file as text/plain",
        f"/v1/findings/{fingerprint}":
            'the move as application/json: {"action": "ack", "resolve", "waive" or "reopen", ...}',
        f"/v1/disputes/{dispute}":
            'the move as application/json: {"action": "ack", "investigate", "uphold", "explain" or "close", ...}',
        f"/v1/disputes/{dispute}/notes": 'the note as application/json: {"channel", "direction", "text"}',
    }
    for path, what in expects.items():
        status, _, body = server.request("POST", path, b"", {"Content-Type": "application/json"})
        assert status == 400, path
        assert error_of(body) == {"code": "bad_request", "message": "the request has no body: send " + what,
                                  "problems": []}, path
        status, _, body = server.request("POST", path, b"action=ack", {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 415, path
        assert error_of(body) == {"code": "unsupported_media_type", "problems": [],
                                  "message": f"send {what} (Content-Type was 'application/x-www-form-urlencoded')"}, path


def test_not_found_in_the_record_says_what_without_the_servers_files(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    listed = "; GET /v1/findings lists them with their fingerprints"
    cases = [
        ("GET", "/v1/findings/ffffffffffffffff", None, "no finding 'ffffffffffffffff' in the record" + listed),
        ("POST", "/v1/findings/ffffffffffffffff", {"action": "ack"},
         "no finding 'ffffffffffffffff' in the record" + listed),
        ("GET", "/v1/findings/abc", None,
         "no finding 'abc' in the record (a fingerprint's first 6 characters or more name a finding)" + listed),
        ("GET", "/v1/disputes/99", None, "no dispute 99 in the record; GET /v1/disputes lists them"),
        ("POST", "/v1/disputes/99", {"action": "ack"}, "no dispute 99 in the record; GET /v1/disputes lists them"),
        ("POST", "/v1/disputes/99/notes", {"channel": "email", "direction": "in", "text": "hello"},
         "no dispute 99 in the record; GET /v1/disputes lists them"),
    ]
    for method, path, move, message in cases:
        if move is None:
            status, _, body = server.request(method, path)
        else:
            status, _, body = post_json(server, path, move)
        assert status == 404, (path, body)
        assert error_of(body) == {"code": "not_found", "message": message, "problems": []}, path
        assert str(tmp_path) not in body.decode() and "record.db" not in body.decode(), path


def test_a_path_segment_with_a_nul_or_control_bytes_is_shown_whole_and_escaped(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    listed = "; GET /v1/findings lists them with their fingerprints"
    cases = [
        ("GET", "/v1/findings/ab%00cdefgh", 404, "no finding 'ab\\x00cdefgh' in the record" + listed),
        ("POST", f"/v1/findings/{fingerprint}%00tail", 404,
         f"no finding '{fingerprint}\\x00tail' in the record" + listed),
        ("GET", "/v1/findings/caf%C3%A9%0A%1B%5B31m%FF%5C", 404,
         "no finding 'caf\u00e9\\x0A\\x1B[31m\\xFF\\\\' in the record" + listed),
        ("GET", "/v1/disputes/1%002", 404, "'1\\x002' is not a dispute number"),
        ("GET", "/v1/nowhere%00else", 404,
         "no route /v1/nowhere\\x00else (GET /v1/rules, POST /v1/check, ...: see docs/schema/openapi.yaml)"),
        ("GET", "/v1/runs?x%00y=1", 400, "unknown parameter 'x\\x00y' (/v1/runs takes no parameters)"),
    ]
    for method, path, status_wanted, message in cases:
        body = json.dumps({"action": "ack"}) if method == "POST" else None
        status, _, answer = server.request(method, path, body, {"Content-Type": "application/json"})
        assert status == status_wanted, (path, answer)
        error = error_of(answer)
        assert error["message"] == message, path
        assert "\x00" not in error["message"]


def test_a_request_line_too_long_is_414_uri_too_long(serve):
    server = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /v1/rules?x=" + b"y" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):  # the connection is closed after the answer
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and b"Connection: close" in head
    assert error_of(body) == {"code": "uri_too_long", "problems": [],
                              "message": "the request line (method, path and query) is over 8192 bytes; shorten it"}
    assert server.request("GET", "/health")[0] == 200


def test_a_move_that_is_not_json_says_where_without_the_librarys_tag(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    for path in (f"/v1/findings/{fingerprint}", f"/v1/disputes/{dispute}", f"/v1/disputes/{dispute}/notes"):
        status, _, body = server.request("POST", path, b'{"action": "ack",\n "note": }',
                                         {"Content-Type": "application/json"})
        assert status == 400, path
        assert error_of(body) == {"code": "bad_request", "problems": [], "message":
                                  "the body is not JSON at line 2, column 10: syntax error while parsing value - "
                                  "unexpected '}'; expected '[', '{', or a literal"}, path
    status, _, body = server.request("POST", f"/v1/findings/{fingerprint}", b'{"action": "ack"',
                                     {"Content-Type": "application/json"})
    assert status == 400
    message = error_of(body)["message"]
    assert message.startswith("the body is not JSON at line 1, column 17: ") and "json.exception" not in message


def test_a_record_that_cannot_be_used_answers_500_without_the_servers_path(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    store = tmp_path / "record.db"
    for extra in ("-wal", "-shm"):
        pathlib.Path(str(store) + extra).unlink(missing_ok=True)
    store.write_text("my notes\n")  # the file is no longer a store
    for method, path, move in (("GET", "/v1/findings", None), ("POST", f"/v1/findings/{fingerprint}", {"action": "ack"})):
        if move is None:
            status, _, body = server.request(method, path)
        else:
            status, _, body = post_json(server, path, move)
        assert status == 500, (path, body)
        assert error_of(body) == {"code": "internal", "problems": [],
                                  "message": "the record cannot be used; the service's log says why"}, path
        assert str(tmp_path) not in body.decode() and "record.db" not in body.decode()
    # The operator's log names the file and what is wrong with it.
    assert re.search(r"the record: store '.*record\.db' is not a billcheck store", server.log_text())


def test_a_record_locked_by_another_writer_answers_503_with_retry_after(serve, firm_json, tmp_path):
    import sqlite3
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    other = sqlite3.connect(tmp_path / "record.db", isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another writer holds the record (past the store's 15 s busy timeout)
        status, headers, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "ack"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert status == 503, body
    assert headers["Retry-After"] == "5"
    assert error_of(body) == {"code": "busy", "problems": [], "message":
                              "the record is busy: another program kept it locked; nothing was changed; try again"}
    # Once it is free, the same request goes through.
    status, _, body = post_json(server, f"/v1/findings/{fingerprint}", {"action": "ack"})
    assert status == 200 and json.loads(body)["status"] == "acknowledged", body


def test_moves_and_notes_take_only_json_bodies(serve, firm_json, tmp_path):
    server, fingerprint, dispute = recorded_server(serve, firm_json, tmp_path)
    moves = {
        f"/v1/findings/{fingerprint}":
            'the move as application/json: {"action": "ack", "resolve", "waive" or "reopen", ...}',
        f"/v1/disputes/{dispute}":
            'the move as application/json: {"action": "ack", "investigate", "uphold", "explain" or "close", ...}',
        f"/v1/disputes/{dispute}/notes": 'the note as application/json: {"channel", "direction", "text"}',
    }
    for path, what in moves.items():
        status, _, body = server.request("POST", path, json.dumps({"action": "ack", "channel": "email",
                                                                   "direction": "in", "text": "hi"}),
                                         {"Content-Type": "text/plain"})
        assert status == 415, (path, body)
        assert error_of(body) == {"code": "unsupported_media_type", "problems": [],
                                  "message": f"send {what} (Content-Type was 'text/plain')"}, path
    # Nothing was moved or noted.
    assert json.loads(server.request("GET", f"/v1/findings/{fingerprint}")[2])["status"] == "open"
    dispute_now = json.loads(server.request("GET", f"/v1/disputes/{dispute}")[2])
    assert dispute_now["state"] == "open" and not dispute_now["notes"]


def test_service_stops_on_sigterm_promptly_with_idle_connections_open(serve):
    server = serve()
    kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    kept.request("GET", "/health")
    assert kept.getresponse().read() == b'{"status": "ok"}\n'  # kept alive, now idle
    silent = socket.create_connection(("127.0.0.1", server.port), timeout=20)  # opened ahead of need: sends nothing
    time.sleep(0.3)
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=20) == 0
    assert time.monotonic() - started < 3, "idle connections held the exit"
    assert silent.recv(1) == b""  # closed without an answer: it asked nothing
    silent.close()
    kept.close()


def test_service_supplements_are_the_clis(serve, exe, tmp_path):
    # The supplements of tests/data/remedies/underbilled-book (each kind of under-billing, at 20%) come out of
    # /v1/fix as out of `billcheck fix`: the total 20.00 short asks 20.00 (16.67 and 3.33 tax), not 24.00.
    config = tmp_path / "recover.yaml"
    config.write_text("remedies:\n  recover_underbilling: true\n")
    book = tmp_path / "underbilled.json"
    subprocess.run([exe, "convert", ROOT / "tests" / "data" / "remedies" / "underbilled-book", book], check=True,
                   capture_output=True)
    server = serve("-c", config)
    status, _, body = server.check(book.read_bytes(), "/v1/fix?name=underbilled.json")
    assert status == 200, body
    out = tmp_path / "fixed.json"
    cli = subprocess.run([exe, "fix", book.name, "--out", out, "--format", "json", "-c", config],
                         capture_output=True, cwd=tmp_path, timeout=120)
    assert cli.returncode == 0, cli.stderr
    served = json.loads(body)
    assert served["summary"] == json.loads(cli.stdout)
    assert served["book"] == json.loads(out.read_text())
    totals = {s["id"]: s["total"] for s in served["summary"]["supplementary"]}
    assert (totals["UB-1-S1"], totals["UB-2-S1"], totals["UB-3-S1"]) == ("20.00", "10.00", "18.00")
