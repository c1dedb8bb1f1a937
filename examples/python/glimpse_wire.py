"""Glimpse's wire format in Python: the two framings of an Avro body, written from schemas/README.md.

A value on a Glimpse topic is the Avro binary encoding of one record (the body) behind a header:

  single-object: C3 01, the writer schema's CRC-64-AVRO fingerprint (8 bytes, little-endian), body
  registry:      00, the writer schema's registry id (4 bytes, big-endian), body

python-avro (Debian's python3-avro 1.11) encodes and decodes bodies. It has no single-object
framing and its own canonical form of a schema differs from the Avro specification's (a
timestamp-millis field becomes {"type":"long"} where the spec and Java say "long"), so the Parsing
Canonical Form and its fingerprint are computed here, by the specification's rules.

Run `python3 glimpse_wire.py fingerprints [--schemas DIR]` to print the fingerprint of every schema.
"""

import argparse
import base64
import datetime
import io
import json
import os
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request

import avro.io
import avro.schema

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
REGISTRY_MAGIC = b"\x00"
PRIMITIVES = frozenset(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])
NAMED = frozenset(["record", "error", "enum", "fixed"])
# media type of the registry's REST API (Confluent's; Apicurio's ccompat API takes it too)
REGISTRY_JSON = "application/vnd.schemaregistry.v1+json"


class WireError(Exception):
    """A problem a user can fix: a code and a message that says what to do."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def default_schemas_dir():
    """schemas/ of the repository this file sits in (examples/python/ -> ../../schemas)."""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas"))


# --- CRC-64-AVRO (the Avro specification's fingerprint) -----------------------------------------

_EMPTY = 0xC15D213AA4D7A795


def _crc_table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp & 0xFFFFFFFFFFFFFFFF)
    return table


_TABLE = _crc_table()


def crc64_avro(data):
    """The 64-bit Rabin fingerprint of the Avro specification, as an unsigned int."""
    fp = _EMPTY
    for b in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ b) & 0xFF]
    return fp


# --- names, definitions and the Parsing Canonical Form ------------------------------------------


def _fullname(name, namespace):
    if "." in name or not namespace:
        return name
    return namespace + "." + name


def _namespace_of(node, enclosing):
    """The namespace a named type's own name is in (and its children's names, unless they say)."""
    name = node["name"]
    if "." in name:
        return name.rsplit(".", 1)[0]
    return node.get("namespace", enclosing)


def _collect(node, namespace, into):
    """Every named type defined in this schema document, by full name: (definition, its namespace)."""
    if isinstance(node, list):
        for branch in node:
            _collect(branch, namespace, into)
    elif isinstance(node, dict):
        kind = node.get("type")
        if kind in NAMED:
            ns = _namespace_of(node, namespace)
            full = _fullname(node["name"].rsplit(".", 1)[-1], ns)
            into[full] = (node, ns)
            for field in node.get("fields", []):
                _collect(field["type"], ns, into)
        elif kind == "array":
            _collect(node["items"], namespace, into)
        elif kind == "map":
            _collect(node["values"], namespace, into)
        elif isinstance(kind, (dict, list)):
            _collect(kind, namespace, into)


def _walk(node, namespace, definitions, seen, canonical):
    """One walk for both uses. canonical=False: a self-contained schema (every named type defined at
    its first use, other attributes kept) that python-avro can parse. canonical=True: the Parsing
    Canonical Form's JSON: full names, only name/type/fields/symbols/items/values/size, in that
    order, primitives as bare strings (a logical type's annotations dropped)."""
    if isinstance(node, list):
        return [_walk(branch, namespace, definitions, seen, canonical) for branch in node]
    if isinstance(node, str):
        if node in PRIMITIVES:
            return node
        full = _fullname(node, namespace)
        if full in seen:
            return full
        if full not in definitions:
            raise WireError("UNKNOWN_TYPE", f"the schema names type {full}, which no schema given defines: "
                                            "pass the schemas folder that defines it (--schemas)")
        definition, ns = definitions[full]
        return _walk(definition, ns, definitions, seen, canonical)
    kind = node["type"]
    if kind in PRIMITIVES:
        return kind if canonical else dict(node)
    if isinstance(kind, (dict, list)) or (isinstance(kind, str) and kind not in NAMED
                                          and kind not in ("array", "map")):
        # {"type": {...}} or {"type": "some.Named"}: the same as the inner type
        return _walk(kind, namespace, definitions, seen, canonical)
    if kind == "array":
        items = _walk(node["items"], namespace, definitions, seen, canonical)
        return {"type": "array", "items": items} if canonical else dict(node, items=items)
    if kind == "map":
        values = _walk(node["values"], namespace, definitions, seen, canonical)
        return {"type": "map", "values": values} if canonical else dict(node, values=values)
    ns = _namespace_of(node, namespace)
    full = _fullname(node["name"].rsplit(".", 1)[-1], ns)
    if full in seen:
        return full
    seen.add(full)
    out = {"name": full, "type": "record" if kind == "error" and canonical else kind}
    if not canonical:
        out.update((k, v) for k, v in node.items() if k not in ("name", "type", "namespace", "fields"))
    if kind in ("record", "error"):
        fields = []
        for field in node["fields"]:
            walked = _walk(field["type"], ns, definitions, seen, canonical)
            if canonical:
                fields.append({"name": field["name"], "type": walked})
            else:
                fields.append(dict(field, type=walked))
        out["fields"] = fields
    elif kind == "enum" and canonical:
        out["symbols"] = list(node["symbols"])
    elif kind == "fixed" and canonical:
        out["size"] = int(node["size"])
    return out


def canonical_form(schema_json, definitions=None):
    """The Parsing Canonical Form of a schema (a JSON value), as the UTF-8 bytes the fingerprint hashes."""
    found = dict(definitions or {})
    _collect(schema_json, None, found)
    walked = _walk(schema_json, None, found, set(), canonical=True)
    return json.dumps(walked, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(schema_json, definitions=None):
    return crc64_avro(canonical_form(schema_json, definitions))


# --- the schemas of the contract -----------------------------------------------------------------


class Schema:
    """One writer or reader schema: its full name, self-contained JSON, fingerprint and version."""

    def __init__(self, full_name, json_value, version, source):
        self.full_name = full_name
        self.json = json_value
        self.version = version
        self.source = source
        self.fingerprint = fingerprint(json_value)
        self.parsed = avro.schema.parse(json.dumps(json_value))

    @property
    def content_type(self):
        """The content-type header Glimpse writes with a record of this schema (schemas/README.md, Headers)."""
        return f"application/vnd.glimpse.{self.full_name.rsplit('.', 1)[-1].lower()}.v{self.version}+avro"


def _self_contained(full_name, definitions):
    definition, ns = definitions[full_name]
    return _walk(definition, ns, definitions, set(), canonical=False)


class Contract:
    """schemas/*.avsc (the current versions; files may name types other files define) and
    schemas/history/ (released older versions, each file self-contained, listed in versions.txt)."""

    def __init__(self, schemas_dir=None):
        schemas_dir = schemas_dir or default_schemas_dir()
        if not os.path.isfile(os.path.join(schemas_dir, "ImageEvent.avsc")):
            raise WireError("MISSING_SCHEMAS", f"{schemas_dir} holds no ImageEvent.avsc: pass the repository's "
                                               "schemas/ folder with --schemas")
        definitions = {}
        for name in sorted(os.listdir(schemas_dir)):
            if name.endswith(".avsc"):
                _collect(_read_json(os.path.join(schemas_dir, name)), None, definitions)
        self._definitions = definitions
        history = []
        versions = os.path.join(schemas_dir, "history", "versions.txt")
        if os.path.isfile(versions):
            with open(versions, encoding="utf-8") as f:
                history = [line.strip() for line in f if line.strip()]
        older = {}
        self.history = []
        for name in history:
            doc = _read_json(os.path.join(schemas_dir, "history", name))
            own = {}
            _collect(doc, None, own)
            top = _fullname(doc["name"].rsplit(".", 1)[-1], _namespace_of(doc, None))
            older[top] = older.get(top, 0) + 1
            self.history.append(Schema(top, _self_contained(top, own), older[top], "history/" + name))
        self.current = {full: Schema(full, _self_contained(full, definitions), older.get(full, 0) + 1, "current")
                        for full in definitions}
        self.by_fingerprint = {s.fingerprint: s for s in list(self.current.values()) + self.history}

    def schema(self, short_name):
        return self.current["dev.glimpse.contract." + short_name]

    def definitions(self):
        return dict(self._definitions)


def _read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --- a Confluent-compatible schema registry (REST) -----------------------------------------------


class Registry:
    """The two calls the registry framing needs, on a Confluent-compatible API such as Apicurio's
    /apis/ccompat/v7: register a schema under a subject, and fetch a writer schema by id."""

    def __init__(self, url, timeout_s=10):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._by_id = {}

    def register(self, subject, schema):
        """POST /subjects/{subject}/versions {"schema": "..."} -> the schema's id (the same id again for
        the same schema)."""
        body = json.dumps({"schema": json.dumps(schema.json)}).encode("utf-8")
        answer = self._call("POST", "/subjects/" + urllib.parse.quote(subject, safe="") + "/versions", body,
                            "SCHEMA_REGISTRATION_FAILED", f"registering {schema.full_name} under {subject}")
        return int(answer["id"])

    def writer(self, schema_id, contract):
        """GET /schemas/ids/{id}: the writer schema of a registry-framed record (its references, named
        types defined under other subjects, fetched first), cached for the life of this object."""
        if schema_id not in self._by_id:
            answer = self._call("GET", f"/schemas/ids/{schema_id}", None, "UNKNOWN_SCHEMA_ID",
                                f"looking up schema id {schema_id}")
            if answer.get("schemaType", "AVRO") != "AVRO":
                raise WireError("NOT_AVRO", f"schema id {schema_id} is a {answer['schemaType']} schema, not Avro")
            definitions = {}
            self._references(answer.get("references", []), definitions, 0)
            doc = json.loads(answer["schema"])
            _collect(doc, None, definitions)
            top = _fullname(doc["name"].rsplit(".", 1)[-1], _namespace_of(doc, None))
            current = contract.current.get(top)
            self._by_id[schema_id] = Schema(top, _walk(doc, None, definitions, set(), canonical=False),
                                            current.version if current else 1, f"registry id {schema_id}")
        return self._by_id[schema_id]

    def _references(self, references, definitions, depth):
        if depth > 32:
            raise WireError("UNKNOWN_SCHEMA_ID", "schema references nest deeper than 32 levels")
        for ref in references:
            path = "/subjects/" + urllib.parse.quote(ref["subject"], safe="") + "/versions/" + str(ref["version"])
            answer = self._call("GET", path, None, "UNKNOWN_SCHEMA_ID", f"looking up reference {ref['name']}")
            self._references(answer.get("references", []), definitions, depth + 1)
            _collect(json.loads(answer["schema"]), None, definitions)

    def _call(self, method, path, body, code_if_refused, what):
        request = urllib.request.Request(self.url + path, data=body, method=method,
                                         headers={"Content-Type": REGISTRY_JSON, "Accept": REGISTRY_JSON})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:300]
            if e.code == 404 or 400 <= e.code < 500 and e.code not in (401, 403):
                raise WireError(code_if_refused, f"{what}: the registry at {self.url} answered {e.code} ({detail}); "
                                                 "check that producers and readers use the same registry") from e
            raise WireError("SCHEMA_REGISTRY_UNAVAILABLE", f"{what}: the registry at {self.url} answered {e.code} "
                                                           f"({detail}); check its URL, credentials and health") from e
        except (urllib.error.URLError, OSError) as e:
            raise WireError("SCHEMA_REGISTRY_UNAVAILABLE", f"{what}: cannot reach the registry at {self.url} ({e}); "
                                                           "check --registry-url and that the registry runs") from e


# --- framing both ways ---------------------------------------------------------------------------


def body(schema, datum):
    """The Avro binary encoding of one record, no header."""
    out = io.BytesIO()
    avro.io.DatumWriter(schema.parsed).write(datum, avro.io.BinaryEncoder(out))
    return out.getvalue()


def single_object(schema, datum):
    """C3 01, the 8-byte little-endian fingerprint, the body."""
    return SINGLE_OBJECT_MAGIC + struct.pack("<Q", schema.fingerprint) + body(schema, datum)


def registry_framed(schema_id, schema, datum):
    """00, the 4-byte big-endian schema id, the body."""
    return REGISTRY_MAGIC + struct.pack(">I", schema_id) + body(schema, datum)


def decode(value, contract, registry=None):
    """(framing, writer schema, record) of one framed value, the record resolved to the current
    version of its schema when the writer was an older one (as Glimpse's readers do)."""
    if value is None:
        raise WireError("NOT_AVRO", "the record has no value (a tombstone): only compacted topics hold them")
    if len(value) >= 10 and value[:2] == SINGLE_OBJECT_MAGIC:
        (fp,) = struct.unpack("<Q", value[2:10])
        writer = contract.by_fingerprint.get(fp)
        if writer is None:
            raise WireError("UNKNOWN_FINGERPRINT", f"no schema in schemas/ or schemas/history/ has fingerprint {fp:016x}: "
                                              "update schemas/ to the producer's version")
        framing, rest = "single-object", value[10:]
    elif len(value) >= 5 and value[:1] == REGISTRY_MAGIC:
        if registry is None:
            raise WireError("NOT_AVRO", "the record is registry-framed (first byte 00) and no registry is set: "
                                        "pass --registry-url")
        (schema_id,) = struct.unpack(">I", value[1:5])
        writer = registry.writer(schema_id, contract)
        framing, rest = "registry", value[5:]
    else:
        raise WireError("NOT_AVRO", f"the value starts with {value[:2].hex() or 'nothing'}, neither C3 01 "
                                    "(single-object) nor 00 (registry): it is not a Glimpse record")
    reader = contract.current.get(writer.full_name, writer)
    datum = avro.io.DatumReader(writer.parsed, reader.parsed).read(avro.io.BinaryDecoder(io.BytesIO(rest)))
    return framing, writer, datum


def to_json(datum):
    """A decoded record as plain JSON: bytes as base64 text, timestamps as epoch milliseconds."""
    if isinstance(datum, dict):
        return {k: to_json(v) for k, v in datum.items()}
    if isinstance(datum, list):
        return [to_json(v) for v in datum]
    if isinstance(datum, (bytes, bytearray)):
        return base64.b64encode(bytes(datum)).decode("ascii")
    if isinstance(datum, datetime.datetime):
        return int(round(datum.timestamp() * 1000))
    return datum


def client_settings(base, pairs):
    """Kafka client settings: base plus each -X KEY=VALUE (librdkafka's names), the latter winning."""
    settings = dict(base)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise WireError("BAD_SETTING", f"-X {pair} is not KEY=VALUE: write e.g. -X security.protocol=SSL")
        settings[key.strip()] = value
    return settings


def run_cli(name, run, argv):
    """Runs a script's run(argv): its exit code, or 1 and one line "name: CODE: message" on a WireError."""
    try:
        return run(argv)
    except WireError as e:
        print(f"{name}: {e}", file=sys.stderr, flush=True)
        return 1


def main(argv=None):
    parser = argparse.ArgumentParser(description="Print the fingerprint of every schema of the contract.")
    parser.add_argument("command", choices=["fingerprints"])
    parser.add_argument("--schemas", help="the schemas folder (default: the repository's schemas/)")
    args = parser.parse_args(argv)
    contract = Contract(args.schemas)
    for s in sorted(contract.current.values(), key=lambda s: s.full_name):
        print(f"{s.source} {s.full_name} {s.fingerprint:016x}")
    for s in contract.history:
        print(f"{s.source} {s.full_name} {s.fingerprint:016x}")
    return 0


if __name__ == "__main__":
    sys.exit(run_cli("glimpse_wire.py", main, sys.argv[1:]))
