"""Error documents the platform (not the function) answers an invocation with, shaped like AWS's.

Left out: the X-Ray cause documents.
"""
from __future__ import annotations

import json
import signal

#: Largest synchronous response AWS lets through (6 MB + the 100 bytes of envelope it allows).
MAX_RESPONSE_BYTES = 6_291_556

# Go's names for the signals (the Lambda platform is written in Go and prints `signal: killed`).
_GO_SIGNAL_NAMES = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}


def _doc(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def timeout_message(request_id: str, timeout_s: float) -> str:
    return f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds"


def timeout_payload(request_id: str, timeout_s: float) -> bytes:
    """`Sandbox.Timedout` document, e.g. `Task timed out after 3.00 seconds`."""
    return _doc("Sandbox.Timedout", timeout_message(request_id, timeout_s))


def exit_reason(returncode: int) -> str:
    """How the platform words a runtime's exit: `exit status 1`, `signal: killed`, ..."""
    if returncode < 0:
        signum = -returncode
        name = _GO_SIGNAL_NAMES.get(signum, f"signal {signum}")  # type: ignore[call-overload]
        return f"signal: {name}"
    return f"exit status {returncode}"


def exit_message(request_id: str, returncode: int) -> str:
    if returncode == 0:
        return f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(returncode)}"


def exit_payload(request_id: str, returncode: int) -> bytes:
    """`Runtime.ExitError` document for a worker that died during an invocation."""
    return _doc("Runtime.ExitError", exit_message(request_id, returncode))


def out_of_memory_payload(request_id: str, returncode: int) -> bytes:
    """`Runtime.OutOfMemory`: the environment was killed for passing the function's memory size (the message
    is the exit's; the error type is what Lambda reports for an out-of-memory kill [I])."""
    return _doc("Runtime.OutOfMemory", exit_message(request_id, returncode))


def unknown_payload(request_id: str, detail: str) -> bytes:
    """`Runtime.Unknown`: the emulator itself failed to run the invocation."""
    return _doc("Runtime.Unknown", f"RequestId: {request_id} Error: {detail}")


def too_large_payload() -> bytes:
    return _doc(
        "Function.ResponseSizeTooLarge",
        f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
    )


def function_error_payload(body: bytes, error_type: str | None) -> bytes:
    """The document a runtime posted to `/error` or `/init/error`, passed through as AWS does.

    A body that is not a JSON object is wrapped as `{"errorType", "errorMessage"}`.
    """
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        return body
    message = body.decode(errors="replace") if body else ""
    return _doc(error_type or "Runtime.Unknown", message)


PathRoots = tuple[tuple[str, str], ...]  # (local directory, where Lambda has it: /var/task, /opt)


def lambda_paths(text: str, roots: PathRoots) -> str:
    """`text` with the function's local directories written as Lambda's (`/var/task/index.py`), as a stack trace
    on AWS names them (`File "/var/task/index.py", line 3, in handler`; AWS Lambda docs, "Python Lambda function
    errors")."""
    for local, remote in roots:
        if local and local in text:
            text = text.replace(local + "/", remote + "/")
    return text


def error_on_lambda_paths(payload: bytes, roots: PathRoots) -> bytes:
    """An error document whose `stackTrace` (and message) name Lambda's directories, not the local ones."""
    if not roots or not any(local.encode() in payload for local, _ in roots if local):
        return payload
    try:
        doc = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(doc, dict):
        return payload
    trace = doc.get("stackTrace")
    if isinstance(trace, list):
        doc["stackTrace"] = [lambda_paths(t, roots) if isinstance(t, str) else t for t in trace]
    if isinstance(doc.get("errorMessage"), str):
        doc["errorMessage"] = lambda_paths(doc["errorMessage"], roots)
    return json.dumps(doc).encode()


def error_type_of(payload: bytes) -> str | None:
    try:
        doc = json.loads(payload)
    except ValueError:
        return None
    return doc.get("errorType") if isinstance(doc, dict) else None
