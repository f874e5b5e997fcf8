"""The project's AWS emulator: moto's server, one request at a time, with a TransactWriteItems undo log.

Started by local/emulator.ts (npm start, the integration tests, the benchmark); see docs/design.md#local-runtime.

    python local/emulator/moto_launcher.py --host 127.0.0.1 --port 4566 [--no-undo-log] [--verbose]

Why a launcher rather than `moto_server`:

* moto is not concurrency-safe. Its stock server is threaded, and a write that races a cancelled
  TransactWriteItems is lost when the transaction restores its backup. Serving one request at a time
  (`threaded=False`) makes every request atomic with respect to the others.
* Stock TransactWriteItems deep-copies every table it touches before it starts, so it costs time in
  proportion to the table (about 0.7 s at 5,000 items). Since requests are serialized, an undo log of
  just the items the transaction names does the same job in constant time (install_undo_log).
* It exits when its parent dies (stdin reaches EOF, or the parent process id changes), so a crashed
  test run or `npm start` never leaves an orphan holding the port.

`--port 0` binds a free port; the ready line says which:  moto ready on http://127.0.0.1:<port>

The undo log patches moto internals, so it is pinned: the launcher refuses to start (exit code 3, with
a message naming both versions and the fix) unless the installed moto is the one
`requirements-dev.txt` pins and the one the patch was written for (UNDO_LOG_WRITTEN_FOR_MOTO).
`--no-undo-log` runs stock moto of any version.
"""

from __future__ import annotations

import os

# Taken before the slow imports below: a parent that dies while moto loads must still count.
_PARENT_PID = os.getppid()

import argparse  # noqa: E402
import copy  # noqa: E402
import importlib.metadata  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

# moto is imported only after the version check (main), so that another moto version gets a clear
# refusal rather than an ImportError from deep inside its internals.

#: The moto release whose DynamoDBBackend.transact_write_items install_undo_log was written against.
#: Change it only together with the pin in requirements-dev.txt, after re-reading that method.
UNDO_LOG_WRITTEN_FOR_MOTO = "5.2.1"
DEFAULT_REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-dev.txt"
EXIT_WRONG_MOTO_VERSION = 3


class WrongMotoVersion(Exception):
    pass


def pinned_moto_version(requirements: Path) -> str:
    """The version of `moto==X` / `moto[server]==X` in a requirements file."""
    try:
        text = requirements.read_text(encoding="utf8")
    except OSError as error:
        raise WrongMotoVersion(f"cannot read {requirements} to find the pinned moto version: {error}")
    match = re.search(r"^moto(?:\[[^\]]*\])?==(\S+)", text, re.MULTILINE)
    if match is None:
        raise WrongMotoVersion(f"{requirements} pins no moto version (expected a line like moto[server]=={UNDO_LOG_WRITTEN_FOR_MOTO})")
    return match.group(1)


def check_moto_version(installed: str | None, requirements: Path) -> None:
    """Refuses (WrongMotoVersion) unless moto is exactly the pinned release the undo log was written for."""
    pinned = pinned_moto_version(requirements)
    if installed != pinned:
        raise WrongMotoVersion(
            f"moto {installed or '(not installed)'} is installed (for {sys.executable}), but {requirements} pins moto "
            f"{pinned}, and the TransactWriteItems undo log of this launcher patches moto internals of that "
            f"release only. Fix: .venv/bin/pip install -r {_shown(requirements)} "
            "(or run stock moto, without the undo log, with --no-undo-log)."
        )
    if pinned != UNDO_LOG_WRITTEN_FOR_MOTO:
        raise WrongMotoVersion(
            f"{requirements} pins moto {pinned}, but local/emulator/moto_launcher.py's undo log was written for "
            f"moto {UNDO_LOG_WRITTEN_FOR_MOTO}. Fix: pin moto[server]=={UNDO_LOG_WRITTEN_FOR_MOTO} again, or re-check "
            "install_undo_log against the new moto and update UNDO_LOG_WRITTEN_FOR_MOTO "
            "(or run with --no-undo-log)."
        )


def installed_moto_version() -> str | None:
    try:
        return importlib.metadata.version("moto")
    except importlib.metadata.PackageNotFoundError:
        return None


def _shown(requirements: Path) -> str:
    try:
        return str(requirements.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(requirements)


class _CopyWithoutTableBackups:
    """Stands in for the `copy` module inside moto.dynamodb.models while a transaction runs.

    Stock transact_write_items starts with `copy.deepcopy(self.tables[name])` for each table it
    touches and, on failure, puts that copy back. Returning the table itself turns the backup into a
    no-op (and the restore into `tables[name] = tables[name]`); the undo log does the real rollback.
    Everything else (update_item's copy of the old item image) still gets a true deep copy.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


class _TransactionUndoLog:
    """Before-images of the items a transaction names, and the stream length of each table it touches.

    VALID ONLY BECAUSE REQUESTS ARE SERVED ONE AT A TIME (make_server(..., threaded=False) in main):
    nothing else can change these items or append to these streams between capture and undo. Under a
    threaded server, undo would overwrite a concurrent PutItem of the same key with a stale
    before-image and truncate away another request's stream records.
    """

    def __init__(self, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]):
        self._before_images: list[tuple[Table, Any, Any, Any]] = []
        self._stream_lengths: dict[int, tuple[Table, int]] = {}
        for transact_item in transact_items:
            try:
                op_type, op = next(iter(transact_item.items()))
                table = backend.get_table(op["TableName"])
                key = op["Item"] if op_type == "Put" else op["Key"]
                hash_value, range_value = backend.get_keys_value(table, key)
                before = table.get_item(hash_value, range_value)
            except Exception:
                # Malformed operation, unknown table or missing key: moto cancels the transaction
                # at this operation without writing anything for it, so there is nothing to undo.
                continue
            self._before_images.append(
                (table, hash_value, range_value, copy.deepcopy(before))
            )
            if table.stream_shard is not None and id(table) not in self._stream_lengths:
                self._stream_lengths[id(table)] = (table, len(table.stream_shard.items))

    def undo(self) -> None:
        # Reversed, so that if an operation names a key twice (moto then cancels the transaction),
        # the first, true before-image is the one left in place.
        for table, hash_value, range_value, before in reversed(self._before_images):
            if table.has_range_key:
                bucket = table.items[hash_value]
                if before is None:
                    bucket.pop(range_value, None)
                    if not bucket:
                        table.items.pop(hash_value, None)
                else:
                    bucket[range_value] = before
            elif before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before
        # Truncate in place, so shard iterators already handed out stay valid and sequence numbers
        # stay dense. (Stock moto swaps in the backed-up table and its stream shard instead, which is
        # why an iterator held across a cancelled transaction can read rolled-back records.)
        for table, length in self._stream_lengths.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def install_undo_log() -> None:
    """Replace the per-transaction table deep copy of moto's TransactWriteItems with an undo log.

    Fails loudly if moto's internals are not the ones this patch was written against, rather than
    letting the emulator run unpatched or, worse, half patched. Valid only under the one-request-at-
    a-time server of main (see _TransactionUndoLog).
    """
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend

    stock_transact_write_items = DynamoDBBackend.transact_write_items
    source = inspect.getsource(stock_transact_write_items)
    expected = [
        "copy.deepcopy(",  # the table backup this patch neutralizes
        "self.tables[table_name] = original_table_state[table_name]",  # the restore it replaces
        "raise TransactionCanceledException(errors)",
    ]
    missing = [snippet for snippet in expected if snippet not in source]
    if missing or getattr(dynamodb_models, "copy", None) is not copy:
        raise RuntimeError(
            "moto's DynamoDBBackend.transact_write_items is not the one the undo log was written for "
            f"(missing: {missing}). Pin moto as in requirements-dev.txt, update "
            "local/emulator/moto_launcher.py, or run with --no-undo-log."
        )

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        undo_log = _TransactionUndoLog(self, transact_items)
        dynamodb_models.copy = _CopyWithoutTableBackups()  # type: ignore[assignment]
        try:
            stock_transact_write_items(self, transact_items)
        except BaseException:
            undo_log.undo()
            raise  # the very exception moto raised: same cancellation reasons for the client
        finally:
            dynamodb_models.copy = copy  # type: ignore[assignment]

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _verify_undo_log()


def _verify_undo_log() -> None:
    """Run one cancelled and one committed transaction on a private backend; refuse to start if the
    patched emulator would not behave as stock moto does."""
    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    backend = DynamoDBBackend("us-east-1", "000000000000")  # never registered: clients cannot see it
    table = backend.create_table(
        "undo-log-self-test",
        schema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        throughput=None,
        attr=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    name = "undo-log-self-test"
    key_a = {"pk": {"S": "a"}, "sk": {"S": "s"}}
    key_b = {"pk": {"S": "b"}, "sk": {"S": "s"}}
    key_missing = {"pk": {"S": "missing"}, "sk": {"S": "s"}}
    backend.put_item(name, {**key_a, "v": {"N": "1"}})

    def check(condition: bool, what: str) -> None:
        if not condition:
            raise RuntimeError(
                f"TransactWriteItems undo log self-test failed: {what}. moto's internals differ from "
                "what local/emulator/moto_launcher.py expects; fix it or run with --no-undo-log."
            )

    try:
        backend.transact_write_items(
            [
                {"Update": {"TableName": name, "Key": key_a, "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}}}},
                {"Put": {"TableName": name, "Item": {**key_b, "v": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": name, "Key": key_missing,
                                    "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
        check(False, "a failing ConditionCheck did not cancel the transaction")
    except TransactionCanceledException:
        pass
    item_a = backend.get_item(name, key_a)
    check(backend.tables[name] is table, "the table object was replaced")
    check(item_a is not None and item_a.attrs["v"].value == "1", "the updated item was not restored")
    check(backend.get_item(name, key_b) is None, "the put item was not removed")
    check(table.stream_shard is not None and len(table.stream_shard.items) == 1,
          "the stream was not truncated")

    backend.transact_write_items([{"Put": {"TableName": name, "Item": {**key_b, "v": {"N": "1"}}}}])
    check(backend.get_item(name, key_b) is not None, "a committed put is missing")
    check(len(table.stream_shard.items) == 2, "a committed put has no stream record")


#: Run by every way the launcher exits (stdin EOF, parent gone, SIGTERM, SIGINT) just before os._exit.
_BEFORE_EXIT: list[Any] = []


_EXITING = threading.Lock()


def _exit_now(*_: Any) -> None:
    # Stopping closes stdin and sends SIGTERM: two threads may get here. The first runs the hooks
    # and exits the process; the other waits here until it does.
    _EXITING.acquire()
    for hook in _BEFORE_EXIT:
        try:
            hook()
        except Exception as error:  # exiting anyway; say why the hook failed
            print(f"moto_launcher: on exit: {error}", file=sys.stderr, flush=True)
    os._exit(0)  # not sys.exit: the main thread is blocked in serve_forever


def _exit_when_parent_dies(watch_stdin: bool) -> None:
    """Never outlive the process that started us: it may die without a chance to stop us."""

    exit_now = _exit_now

    if watch_stdin:
        def wait_for_eof() -> None:
            while sys.stdin.buffer.read(65536):
                pass
            exit_now()

        threading.Thread(target=wait_for_eof, name="stdin-eof", daemon=True).start()

    def poll_parent() -> None:
        while os.getppid() == _PARENT_PID:
            time.sleep(0.5)
        exit_now()

    threading.Thread(target=poll_parent, name="parent-watch", daemon=True).start()


def _swap_queue_attributes_during(
    method_name: str, patch: str, attributes_for_call: Callable[[property], property]
) -> None:
    """Wrap `SQSBackend.<method_name>` so that `Queue.attributes` is `attributes_for_call(full)` while it runs.

    `full` is the stock property (its getter computes every attribute, scanning the queue); it is put
    back when the call returns or raises. Swapping a class attribute is safe only because this server
    handles one request at a time.
    """
    from moto.sqs import models as sqs_models

    queue_class = sqs_models.Queue
    backend_class = sqs_models.SQSBackend
    full_attributes = queue_class.__dict__.get("attributes")
    if not isinstance(full_attributes, property) or not hasattr(backend_class, method_name):
        raise SystemExit(
            f"moto_launcher: moto's SQS Queue.attributes / SQSBackend.{method_name} are not what the "
            f"{patch} patch expects; fix local/emulator/moto_launcher.py."
        )
    original = getattr(backend_class, method_name)

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        queue_class.attributes = attributes_for_call(full_attributes)
        try:
            return original(self, *args, **kwargs)
        finally:
            queue_class.attributes = full_attributes

    setattr(backend_class, method_name, patched)


def install_cheap_send_message() -> None:
    """Keep SQS SendMessage O(1) in the number of messages already in the queue.

    moto's `send_message` (and `add_message`) read `queue.attributes` only to look up
    `ContentBasedDeduplication`, but that property computes every attribute, including the
    approximate message counts, each a scan of the whole queue with two clock conversions per
    message. A queue that fills up (a DLQ, a capture queue read at the end, EventBridge delivering
    into it) made every send slower than the last: measured here, PutEvents to a bus with two SQS
    targets went from 16 ms to 178 ms per event over 3,500 events. During a send the property is
    swapped for one that computes just the deduplication flag.
    """

    def deduplication_only(queue: Any) -> dict[str, Any]:
        if not queue.fifo_queue:
            return {}
        return {"ContentBasedDeduplication": str(bool(queue.content_based_deduplication)).lower()}

    cheap_attributes = property(deduplication_only)
    _swap_queue_attributes_during("send_message", "send-message", lambda _full: cheap_attributes)


def install_cheap_retention_check() -> None:
    """Keep SQS ReceiveMessage O(messages in the queue), not O(received x messages in the queue).

    For every message it hands out, moto's `receive_message` asks
    `is_message_valid_based_on_retention_period`, which calls `get_queue_attributes(name,
    ["MessageRetentionPeriod"])`; that computes the full `queue.attributes` three times, each with
    the approximate message counts (a scan of the whole queue with clock conversions per message).
    With a backlog of a few thousand messages, a receive of 10 cost about 0.1 s of this single-threaded
    emulator. The retention period is a plain attribute of the queue (set by `_set_attributes`), so
    it is read directly; the rule (sent timestamp + retention period > now) is moto's own.
    """
    from moto.core.utils import unix_time
    from moto.sqs import models as sqs_models

    backend_class = sqs_models.SQSBackend
    if not hasattr(backend_class, "is_message_valid_based_on_retention_period"):
        raise SystemExit(
            "moto_launcher: moto's SQSBackend.is_message_valid_based_on_retention_period is not what "
            "the retention-check patch expects; fix local/emulator/moto_launcher.py."
        )

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return retention_period + message.sent_timestamp / 1000 > unix_time()

    backend_class.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period


def install_one_attribute_computation_per_call() -> None:
    """Make SQS GetQueueAttributes compute a queue's attributes once per call, not three times per name asked.

    moto's `get_queue_attributes` reads `queue.attributes` once to test each name asked for and twice
    more to read its value; each read computes every attribute, with three scans of the queue for the
    approximate message counts. Asking for two counts on a queue with a backlog of thousands cost
    about 0.2 s here. During a call the property is swapped for one that computes the full set once
    per queue and returns that same dict: same answer, a sixth of the work for two names.
    """

    def computed_once_per_call(full_attributes: property) -> property:
        computed: dict[int, dict[str, Any]] = {}

        def computed_once(queue: Any) -> dict[str, Any]:
            if id(queue) not in computed:
                computed[id(queue)] = full_attributes.fget(queue)  # type: ignore[misc]
            return computed[id(queue)]

        return property(computed_once)

    _swap_queue_attributes_during("get_queue_attributes", "get-queue-attributes", computed_once_per_call)


def install_jsonpath_cache() -> None:
    """Cache moto's JSONPath parsing of EventBridge target input paths.

    moto's EventBridge builds a fresh JSONPath parser (a PLY grammar) for every input path of every
    event it delivers to every target, about 0.13 s each here; the archive counts as a target, so
    one event blocked this single-threaded emulator for about 0.3 s. The expressions are a handful
    of constants and their parse trees are immutable, so memoizing the parse is safe.
    """
    import functools

    import jsonpath_ng.ext

    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=1024)(jsonpath_ng.ext.parse)


class _RequestProfile:
    """WSGI middleware: wall time per AWS action, written to a file every few seconds.

    Enabled by DUALWRITE_EMULATOR_PROFILE=<file> (or --profile <file>); for finding where a long run
    (the chaos run, the benchmark) spends the emulator's one thread. One line per action, slowest
    total first: total seconds, calls, mean milliseconds.
    """

    def __init__(self, app: Any, file: Path, every_seconds: float = 5.0):
        self._app = app
        self._file = file
        self._every = every_seconds
        self._totals: dict[str, list[float]] = {}
        self._written = time.monotonic()
        self._started = time.monotonic()

    @staticmethod
    def _action(environ: dict[str, Any]) -> str:
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return str(target)
        query = environ.get("QUERY_STRING", "")
        match = re.search(r"(?:^|&)Action=([A-Za-z]+)", query)
        if match:
            return match.group(1)
        return f"{environ.get('REQUEST_METHOD', '?')} {environ.get('HTTP_HOST', '?')}{environ.get('PATH_INFO', '')[:40]}"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        began = time.perf_counter()
        try:
            return list(self._app(environ, start_response))
        finally:
            entry = self._totals.setdefault(self._action(environ), [0.0, 0])
            entry[0] += time.perf_counter() - began
            entry[1] += 1
            if time.monotonic() - self._written >= self._every:
                self.write()

    def write(self) -> None:
        self._written = time.monotonic()
        rows = sorted(self._totals.items(), key=lambda row: -row[1][0])
        busy = sum(total for total, _ in self._totals.values())
        lines = [f"# {time.monotonic() - self._started:.0f} s up, {busy:.0f} s busy serving requests"]
        lines += [f"{total:9.1f} s {int(calls):8d} calls {1000 * total / calls:8.2f} ms  {action}"
                  for action, (total, calls) in rows]
        # Whole or not at all: a reader never sees a half-written file.
        partial = self._file.with_name(self._file.name + ".partial")
        partial.write_text("\n".join(lines) + "\n", encoding="utf8")
        os.replace(partial, self._file)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4566, help="port to bind; 0 picks a free one")
    parser.add_argument("--no-undo-log", action="store_true",
                        help="run stock moto TransactWriteItems (full table copy), for comparison")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes (the parent keeps a pipe open for our lifetime)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--profile", type=Path, default=os.environ.get("DUALWRITE_EMULATOR_PROFILE") or None,
                        help="write wall time per AWS action to this file every 5 s and on exit "
                             "(default: $DUALWRITE_EMULATOR_PROFILE, off when unset)")
    parser.add_argument("--requirements", type=Path, default=DEFAULT_REQUIREMENTS,
                        help="requirements file pinning moto (default: the repository's requirements-dev.txt)")
    args = parser.parse_args(argv)

    if not args.no_undo_log:
        try:
            check_moto_version(installed_moto_version(), args.requirements)
        except WrongMotoVersion as refusal:
            print(f"moto_launcher: refusing to start: {refusal}", file=sys.stderr, flush=True)
            sys.exit(EXIT_WRONG_MOTO_VERSION)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if not args.no_undo_log:
        install_undo_log()
    install_jsonpath_cache()
    install_cheap_send_message()
    install_cheap_retention_check()
    install_one_attribute_computation_per_call()

    app: Any = DomainDispatcherApplication(create_backend_app)
    if args.profile is not None:
        app = _RequestProfile(app, args.profile)
    # threaded=False: one request at a time. moto is not concurrency-safe, and the undo log is valid
    # only because of this (see _TransactionUndoLog). Never make this server threaded.
    server = make_server(args.host, args.port, app, threaded=False)  # exits 1 if the port is taken

    # os._exit, not sys.exit: interpreter shutdown would wait on the stdin thread's lock and abort.
    if isinstance(app, _RequestProfile):
        _BEFORE_EXIT.append(app.write)  # the last few seconds too, and a run shorter than one write interval
    signal.signal(signal.SIGTERM, _exit_now)
    signal.signal(signal.SIGINT, _exit_now)
    _exit_when_parent_dies(args.exit_on_stdin_eof)
    port = server.server_address[1]
    os.environ["MOTO_PORT"] = str(port)  # moto builds some callback URLs from it
    undo_log = "off (stock moto)" if args.no_undo_log else "on"
    print(f"moto ready on http://{args.host}:{port} (TransactWriteItems undo log {undo_log})",
          flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
