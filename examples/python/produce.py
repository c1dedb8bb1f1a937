"""Publish image files to Glimpse as ImageEvents, in either framing, as `glimpse produce` does.

  python3 produce.py --bootstrap 127.0.0.1:9092 scene.png [more.png ...] \
      [--question "how many shapes are there"] [--moderate [warning_sign,hazard]] \
      [--framing single-object|registry --registry-url http://HOST:8080/apis/ccompat/v7]

Each file becomes one event keyed by its event id (the file name, as `glimpse produce` names it),
asking for a caption, plus an answer and moderation when asked. A file counts as published only
when the broker acknowledged it; the command exits 1 naming each one that was not.
"""

import argparse
import datetime
import os
import sys

from confluent_kafka import KafkaException, Producer

import glimpse_wire

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
                 ".gif": "image/gif"}


def parse_args(argv):
    p = argparse.ArgumentParser(description="Publish image files as Glimpse ImageEvents.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files, one event each")
    p.add_argument("--bootstrap", "--bootstrap-servers", default="127.0.0.1:9092", metavar="HOST:PORT",
                   help="the Kafka cluster (default: %(default)s)")
    p.add_argument("--topic", default="glimpse.images", help="the input topic (default: %(default)s)")
    p.add_argument("--framing", choices=["single-object", "registry"], default="single-object",
                   help="single-object (C3 01 + fingerprint, the default) or registry (00 + schema id)")
    p.add_argument("--registry-url", metavar="URL",
                   help="a Confluent-compatible registry API, e.g. http://HOST:8080/apis/ccompat/v7 (registry framing)")
    p.add_argument("--subject", help="the subject ImageEvent is registered under (default: TOPIC-value)")
    p.add_argument("--schemas", metavar="DIR", help="the schemas folder (default: the repository's schemas/)")
    p.add_argument("--event-id", metavar="ID", help="the event id (one image only; default: the file's name)")
    p.add_argument("--client-id", default="glimpse-python", help="the event's client_id (default: %(default)s)")
    p.add_argument("--no-caption", action="store_true", help="do not ask for a caption")
    p.add_argument("--question", metavar="TEXT", help="also ask this question about every image")
    p.add_argument("--moderate", nargs="?", const="", metavar="CATEGORY,...",
                   help="also score moderation categories (comma-separated; none given: the worker's list)")
    p.add_argument("--max-new-tokens", type=int, metavar="N", help="most tokens per caption or answer")
    p.add_argument("-X", dest="client", action="append", default=[], metavar="KEY=VALUE",
                   help="a librdkafka setting, e.g. security.protocol=SSL (repeatable)")
    p.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                   help="how long to wait for the broker's acknowledgements (default: %(default)s)")
    args = p.parse_args(argv)
    if args.event_id and len(args.images) > 1:
        p.error("--event-id names one event: give one image, or leave it out to use the file names")
    if args.framing == "registry" and not args.registry_url:
        p.error("--framing registry needs --registry-url (e.g. http://HOST:8080/apis/ccompat/v7)")
    if args.question is not None and not args.question.strip():
        p.error("--question is empty: give the question's text")
    return args


def tasks(args):
    """The event's tasks, in the order `glimpse produce` asks them: caption, question, moderation."""
    out = [] if args.no_caption else [{}]  # CaptionTask has no fields
    if args.question:
        out.append({"question": args.question})
    if args.moderate is not None:
        out.append({"categories": [c.strip() for c in args.moderate.split(",") if c.strip()]})
    if not out:
        raise glimpse_wire.WireError("NO_TASKS", "--no-caption without --question or --moderate asks for nothing: "
                                                 "ask for at least one task")
    return out


def event(event_id, client_id, path, data, event_tasks, max_new_tokens):
    options = None
    if max_new_tokens is not None:
        options = {"max_new_tokens": max_new_tokens, "temperature": None, "top_p": None, "top_k": None, "seed": None}
    return {
        "event_id": event_id,
        "client_id": client_id,
        "source": path,
        "timestamp": datetime.datetime.now(datetime.timezone.utc),
        "image": {"data": data, "content_type": CONTENT_TYPES.get(os.path.splitext(path)[1].lower())},
        "tasks": event_tasks,
        "options": options,
        "attributes": {},
    }


def run(args):
    contract = glimpse_wire.Contract(args.schemas)
    schema = contract.schema("ImageEvent")
    frame = lambda datum: glimpse_wire.single_object(schema, datum)  # noqa: E731
    if args.framing == "registry":
        registry = glimpse_wire.Registry(args.registry_url)
        schema_id = registry.register(args.subject or args.topic + "-value", schema)
        print(f"registered {schema.full_name} as schema id {schema_id}", flush=True)
        frame = lambda datum: glimpse_wire.registry_framed(schema_id, schema, datum)  # noqa: E731
    event_tasks = tasks(args)
    settings = glimpse_wire.client_settings({"bootstrap.servers": args.bootstrap}, args.client)
    # an image up to 10 MiB plus its envelope, as glimpse.images allows (topology/topics.json)
    settings.setdefault("message.max.bytes", str(12 << 20))
    settings.setdefault("message.timeout.ms", str(int(args.timeout * 1000)))
    producer = Producer(settings)
    failed = []
    delivered = []

    def on_delivery(path):
        def report(err, msg):
            if err is not None:
                failed.append(f"{path}: {err}")
            else:
                delivered.append(f"published {path} as {msg.key().decode('utf-8')} "
                                 f"to {msg.topic()}-{msg.partition()}@{msg.offset()}")
        return report

    for path in args.images:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            failed.append(f"{path}: cannot read it ({e.strerror})")
            continue
        event_id = args.event_id or os.path.basename(path)
        value = frame(event(event_id, args.client_id, path, data, event_tasks, args.max_new_tokens))
        try:
            producer.produce(args.topic, key=event_id.encode("utf-8"), value=value,
                             headers=[("content-type", schema.content_type.encode("ascii"))],
                             on_delivery=on_delivery(path))
        except (BufferError, KafkaException) as e:  # too large, queue full, unknown topic, ...
            failed.append(f"{path}: {e}")
        producer.poll(0)
    remaining = producer.flush(args.timeout)
    if remaining:
        failed.append(f"{remaining} events still unacknowledged after {args.timeout:g} s "
                      f"(is the broker at {args.bootstrap} up?)")
    for line in delivered:
        print(line, flush=True)
    for line in failed:
        print(f"produce.py: NOT_PUBLISHED: {line}", file=sys.stderr, flush=True)
    if failed:
        raise glimpse_wire.WireError("PUBLISH_FAILED", f"{len(failed)} of {len(args.images)} images were not "
                                                       f"published to {args.topic} (named above); fix them or "
                                                       "the cluster and run produce.py again")
    print(f"published {len(delivered)} events to {args.topic} ({args.framing} framing)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(glimpse_wire.run_cli("produce.py", lambda argv: run(parse_args(argv)), sys.argv[1:]))
