/// The Python side of the bridge: a worker process that imports the researcher's module and
/// answers framed requests (docs/federation.md, "The bridge"). It runs as `python -u -c
/// BOOTSTRAP`; the bootstrap reads this program from fd 3 (u32 length, then the text), so the
/// command line stays short and tracebacks name `fedchain-worker`. It then reads requests on fd 3
/// and writes replies on fd 4, so whatever the client prints (its stdout goes to FedChain's
/// stderr) never mixes with frames. It needs only the standard library and NumPy; nothing is
/// unpickled.
enum WorkerScript {
    /// Reads the program from fd 3 and runs it.
    static let bootstrap = """
        import os, struct
        def take(n):
            data = b""
            while len(data) < n:
                piece = os.read(3, n - len(data))
                if not piece:
                    raise SystemExit(1)
                data += piece
            return data
        exec(compile(take(struct.unpack("<I", take(4))[0]), "fedchain-worker", "exec"), {"__name__": "__main__"})
        """

    static let source = #"""
import importlib.util, json, os, random, struct, sys, traceback

MAGIC = b"FCB1"


def linux_die_with_parent():
    # The worker must not outlive FedChain (no orphans, no zombies of its own).
    try:
        import ctypes, signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() == 1:
            os._exit(1)
    except Exception:
        pass


def read_exact(stream, view):
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])
        if not n:
            raise EOFError
        got += n


def write_all(stream, data):
    view = memoryview(data).cast("B")
    while len(view):
        n = stream.write(view)
        view = view[n:]


class Failure(Exception):
    """An error to report as a message, without a traceback."""


def plain(value):
    # Strict JSON: non-finite floats travel as the strings "NaN", "Infinity" and "-Infinity".
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def send(out, header, arrays=()):
    header = plain(dict(header))
    header["arrays"] = [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in arrays]
    text = json.dumps(header, allow_nan=False).encode()
    write_all(out, MAGIC + struct.pack("<I", len(text)) + text)
    for a in arrays:
        write_all(out, a)


def receive(inp, np):
    prefix = bytearray(8)
    read_exact(inp, memoryview(prefix))
    if prefix[:4] != MAGIC:
        raise Failure("bad frame from FedChain")
    (length,) = struct.unpack("<I", prefix[4:])
    text = bytearray(length)
    read_exact(inp, memoryview(text))
    header = json.loads(text)
    arrays = []
    for spec in header.get("arrays", []):
        a = np.empty(spec["shape"], dtype=np.dtype(spec["dtype"]))
        read_exact(inp, memoryview(a).cast("B"))
        arrays.append(a)
    return header, arrays


def to_wire(np, values, what):
    try:
        values = list(values)
    except TypeError:
        raise Failure("%s must be a list of NumPy arrays, got %s" % (what, type(values).__name__))
    wire = []
    for i, value in enumerate(values):
        a = np.asarray(value)
        if a.dtype.kind == "f" and a.dtype.itemsize in (4, 8) or a.dtype.kind == "i" and a.dtype.itemsize in (4, 8):
            wire.append(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")))
        else:
            raise Failure("%s[%d] has dtype %s; FedChain carries float32, float64, int32 and int64 arrays" % (what, i, a.dtype))
    return wire


def scalar(value, what):
    if isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, (bool, int, float, str)):
            return value
    raise Failure("%s must be a number, a bool or a string, got %s" % (what, type(value).__name__))


def metrics_of(value, method):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Failure("%s must return a dict of metrics, got %s" % (method, type(value).__name__))
    return {str(k): scalar(v, "%s metrics[%r]" % (method, k)) for k, v in value.items()}


def examples_of(value, method):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int):
        raise Failure("%s returned num_examples %r; expected an integer" % (method, value))
    return value


def seed_everything(np, seed):
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def main():
    linux_die_with_parent()
    inp = os.fdopen(3, "rb", buffering=0)
    out = os.fdopen(4, "wb", buffering=0)
    try:
        import numpy as np
    except ImportError:
        send(out, {"ok": False, "error": "NumPy is not installed for %s (the worker needs it: pip install numpy, or Debian's python3-numpy)" % sys.executable})
        return
    module = None
    base = {}
    while True:
        try:
            header, arrays = receive(inp, np)
        except EOFError:
            return
        op = header.get("op")
        try:
            if op == "shutdown":
                return
            if op == "init":
                path = header["module"]
                sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
                spec = importlib.util.spec_from_file_location("fedchain_client", path)
                module = importlib.util.module_from_spec(spec)
                sys.modules["fedchain_client"] = module
                spec.loader.exec_module(module)
                if not callable(getattr(module, "client_fn", None)):
                    raise Failure("%s defines no client_fn(cid, config)" % path)
                torch = sys.modules.get("torch")
                if torch is not None:
                    torch.set_num_threads(1)
                base = dict(header["config"])
                base["dataset_kind"] = header["dataset_kind"]
                base["dataset_path"] = header["dataset_path"]
                send(out, {"ok": True, "python": sys.version.split()[0], "numpy": np.__version__})
                continue
            cid = int(header["cid"])
            call = header["call"]
            config = dict(base)
            config["train_indices"], config["test_indices"] = arrays[0], arrays[1]
            config["seed"] = call["seed"]
            seed_everything(np, call["seed"])
            client = module.client_fn(cid, config)
            client = getattr(client, "numpy_client", client)   # a Flower NumPyClient wrapped by to_client()
            if op == "get_parameters":
                send(out, {"ok": True}, to_wire(np, client.get_parameters(call), "get_parameters"))
            elif op == "fit":
                reply = client.fit(arrays[2:], call)
                if not isinstance(reply, (tuple, list)) or len(reply) != 3:
                    raise Failure("fit must return (parameters, num_examples, metrics), got %s" % type(reply).__name__)
                parameters, examples, metrics = reply
                send(out, {"ok": True, "num_examples": examples_of(examples, "fit"), "metrics": metrics_of(metrics, "fit")},
                     to_wire(np, parameters, "fit's parameters"))
            elif op == "evaluate":
                reply = client.evaluate(arrays[2:], call)
                if not isinstance(reply, (tuple, list)) or len(reply) != 3:
                    raise Failure("evaluate must return (loss, num_examples, metrics), got %s" % type(reply).__name__)
                loss, examples, metrics = reply
                send(out, {"ok": True, "loss": float(scalar(loss, "evaluate's loss")),
                           "num_examples": examples_of(examples, "evaluate"), "metrics": metrics_of(metrics, "evaluate")})
            else:
                raise Failure("unknown request %r" % op)
        except Failure as failure:
            send(out, {"ok": False, "raised": False, "error": str(failure)})
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            send(out, {"ok": False, "raised": True, "error": "%s: %s" % (type(error).__name__, error), "traceback": traceback.format_exc()})


main()
"""#
}
