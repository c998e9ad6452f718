"""Write retrieval/eval/queries.jsonl from the τ² train tasks, the catalog and hand-written
policy questions. Deterministic: ``python -m retrieval.eval.build_queries``."""

from __future__ import annotations

import json
import random
from pathlib import Path

from .._corpus import product_doc_id
from ._policy_queries import POLICY_QUERIES

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).with_name("queries.jsonl")

# Which policy section each write action of a task relies on.
ACTION_POLICY = {
    "cancel_pending_order": "policy:cancel-pending-order",
    "modify_pending_order_items": "policy:modify-pending-order/modify-items",
    "modify_pending_order_address": "policy:modify-pending-order",
    "modify_pending_order_payment": "policy:modify-pending-order/modify-payment",
    "return_delivered_order_items": "policy:return-delivered-order",
    "exchange_delivered_order_items": "policy:exchange-delivered-order",
    "transfer_to_human_agents": "policy:intro#3",
}


def task_queries(data: Path) -> list[dict]:
    products = json.loads((data / "db.json").read_text())["products"]
    item_product = {i: p["product_id"] for p in products.values() for i in p["variants"]}
    out, seen = [], set()
    for task in json.loads((data / "tasks_train.json").read_text()):
        text = task["user_scenario"]["instructions"]["reason_for_call"].strip()
        if text in seen:
            continue
        rel: set[str] = set()
        for a in task["evaluation_criteria"]["actions"]:
            args = a["arguments"]
            # Some gold calls look up product ids absent from the catalog: not judgeable.
            if a["name"] == "get_product_details" and args["product_id"] in products:
                rel.add(product_doc_id(args["product_id"]))
            for key in ("item_ids", "new_item_ids"):
                rel.update(product_doc_id(item_product[i]) for i in args.get(key, [])
                           if i in item_product)
            if a["name"] in ACTION_POLICY:
                rel.add(ACTION_POLICY[a["name"]])
        if rel:
            seen.add(text)
            out.append({"id": f"task-{task['id']}", "group": "task", "query": text,
                        "relevant": sorted(rel)})
    return out


def catalog_queries(data: Path, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    products = list(json.loads((data / "db.json").read_text())["products"].values())
    out = []
    for p in products:
        variant = rng.choice(list(p["variants"].values()))
        opts = list(variant["options"].items())
        picked = rng.sample(opts, min(2, len(opts)))
        # Named: the product name plus two option values of one real variant.
        values = " and ".join(v for _, v in picked)
        out.append({"id": f"named-{p['product_id']}", "group": "catalog-named",
                    "query": f"do you have a {p['name'].lower()} in {values}?",
                    "relevant": [product_doc_id(p["product_id"])]})
        # Unnamed: option names and values only; relevant = every product with a
        # variant that has all of them (computed, so sometimes several).
        attrs = ", ".join(f"{k} {v}" for k, v in picked)
        rel = sorted(
            product_doc_id(q["product_id"]) for q in products
            if any(all(str(w["options"].get(k)) == v for k, v in picked)
                   for w in q["variants"].values())
        )
        out.append({"id": f"attrs-{p['product_id']}", "group": "catalog-attributes",
                    "query": f"looking for something with {attrs}", "relevant": rel})
    return out


def policy_queries() -> list[dict]:
    return [{"id": f"policy-{i}", "group": "policy", "query": q, "relevant": rel}
            for i, (q, rel) in enumerate(POLICY_QUERIES, 1)]


def main() -> None:
    data = ROOT / "data"
    rows = task_queries(data) + catalog_queries(data) + policy_queries()
    OUT.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} queries to {OUT}")


if __name__ == "__main__":
    main()
