"""Print Glimpse's results as they arrive, one JSON line per record, as `glimpse tail --json` does.

  python3 consume.py --bootstrap 127.0.0.1:9092 [--from-beginning] [--event-id scene.png] \
      [--topic caption,answer,moderation,dead_letter] [--max N] [--timeout SECONDS] \
      [--registry-url http://HOST:8080/apis/ccompat/v7]

Reads committed records only (read_committed), decodes both framings (single-object by the
fingerprints of schemas/ and schemas/history/; registry framing through --registry-url) and
resolves records of an older schema version to the current one. A record that does not decode is
printed as {"kind": "undecodable", ...} and the reading goes on.
"""

import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException

import glimpse_wire

# result kind -> topic (topology/topics.json)
TOPICS = {"caption": "glimpse.captions", "answer": "glimpse.answers", "moderation": "glimpse.moderation",
          "dead_letter": "glimpse.dlq"}
# what a consumer may see while ingest has not created the topics yet: keep waiting
NOT_YET = (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Print Glimpse's results, one JSON line per record.")
    p.add_argument("--bootstrap", "--bootstrap-servers", default="127.0.0.1:9092", metavar="HOST:PORT",
                   help="the Kafka cluster (default: %(default)s)")
    p.add_argument("--topic", default=",".join(TOPICS), metavar="KIND,...",
                   help="result kinds to read: caption, answer, moderation, dead_letter (default: all)")
    p.add_argument("--from-beginning", action="store_true", help="also print what the topics already hold")
    p.add_argument("--event-id", metavar="ID", help="print only the records of this event")
    p.add_argument("--max", type=int, default=-1, metavar="N", help="stop after printing N records (-1: never)")
    p.add_argument("--timeout", type=float, default=-1, metavar="SECONDS",
                   help="stop after this many seconds without a printed record (-1: never)")
    p.add_argument("--registry-url", metavar="URL",
                   help="a Confluent-compatible registry API, to decode registry-framed records")
    p.add_argument("--schemas", metavar="DIR", help="the schemas folder (default: the repository's schemas/)")
    p.add_argument("-X", dest="client", action="append", default=[], metavar="KEY=VALUE",
                   help="a librdkafka setting, e.g. security.protocol=SSL (repeatable)")
    args = p.parse_args(argv)
    args.kinds = [k.strip() for k in args.topic.split(",") if k.strip()]
    unknown = [k for k in args.kinds if k not in TOPICS]
    if unknown or not args.kinds:
        p.error(f"--topic {args.topic} is not a list of result kinds; use {', '.join(TOPICS)} (comma-separated)")
    return args


def event_id_of(kind, record, key):
    """The event a record answers; a dead letter's comes from its event_id, else its original key."""
    if record.get("event_id"):
        return record["event_id"]
    if kind == "dead_letter" and record.get("original_key") is not None:
        return bytes(record["original_key"]).decode("utf-8", "replace")
    return key


def line(kind, msg, contract, registry):
    key = msg.key().decode("utf-8", "replace") if msg.key() is not None else None
    out = {"kind": kind, "topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(), "key": key}
    try:
        framing, writer, record = glimpse_wire.decode(msg.value(), contract, registry)
    except glimpse_wire.WireError as e:
        out.update(kind="undecodable", event_id=key, error=str(e))
        return out
    except Exception as e:  # a body that does not match its writer schema: say where, go on
        out.update(kind="undecodable", event_id=key, error=f"CORRUPT_RECORD: {type(e).__name__}: {e}")
        return out
    out.update(event_id=event_id_of(kind, record, key), framing=framing,
               schema=f"{writer.full_name} v{writer.version}", record=glimpse_wire.to_json(record))
    return out


def run(args):
    contract = glimpse_wire.Contract(args.schemas)
    registry = glimpse_wire.Registry(args.registry_url) if args.registry_url else None
    settings = glimpse_wire.client_settings({
        "bootstrap.servers": args.bootstrap, "group.id": "glimpse-python-consume-" + uuid.uuid4().hex,
        "isolation.level": "read_committed", "enable.auto.commit": False,
        "auto.offset.reset": "earliest" if args.from_beginning else "latest",
        # topics ingest creates after this consumer subscribed are found within seconds
        "topic.metadata.refresh.interval.ms": 2000}, args.client)
    consumer = Consumer(settings)
    try:
        # a consumer polls an absent broker forever without a word: ask first
        try:
            consumer.list_topics(timeout=15)
        except KafkaException as e:
            raise glimpse_wire.WireError("BROKER_UNREACHABLE", f"no Kafka broker answered at {args.bootstrap} within "
                                                               f"15 s ({e}); start it or fix --bootstrap") from e
        by_topic = {TOPICS[k]: k for k in args.kinds}
        consumer.subscribe(list(by_topic))
        printed = 0
        last = time.monotonic()
        while args.max < 0 or printed < args.max:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error() is not None:
                if msg.error().code() not in NOT_YET:
                    print(f"consume.py: KAFKA_ERROR: {msg.error()}", file=sys.stderr, flush=True)
            elif msg is not None:
                out = line(by_topic[msg.topic()], msg, contract, registry)
                if args.event_id is None or out["event_id"] == args.event_id:
                    print(json.dumps(out, ensure_ascii=False, sort_keys=False), flush=True)
                    printed += 1
                    last = time.monotonic()
            if args.timeout >= 0 and time.monotonic() - last > args.timeout:
                if args.max >= 0:
                    raise glimpse_wire.WireError("TIMED_OUT", f"{printed} of {args.max} records in "
                                                              f"{args.timeout:g} s without one: check that ingest and "
                                                              "a worker run, or wait longer (--timeout)")
                break
    finally:
        consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(glimpse_wire.run_cli("consume.py", lambda argv: run(parse_args(argv)), sys.argv[1:]))
