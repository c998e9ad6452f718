"""Documents from the data files: products (db.json), policy sections (policy.md), FAQ (faq.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .models import Document

# The catalog has no categories; this hand-made grouping of its 50 product
# types is what the ``category`` filter matches. Unknown names fall to "other".
CATEGORIES: dict[str, str] = {
    **dict.fromkeys(["T-Shirt", "Fleece Jacket", "Sunglasses", "Wristwatch", "Backpack",
                     "Luggage Set"], "apparel & accessories"),
    **dict.fromkeys(["Running Shoes", "Hiking Boots", "Sneakers"], "footwear"),
    **dict.fromkeys(["Laptop", "Smartphone", "Tablet", "E-Reader", "Portable Charger",
                     "Bluetooth Speaker", "Wireless Earbuds", "Headphones", "Gaming Mouse",
                     "Mechanical Keyboard", "Action Camera", "Digital Camera", "Smart Watch",
                     "Indoor Security Camera"], "electronics"),
    **dict.fromkeys(["Coffee Maker", "Electric Kettle", "Espresso Machine", "Tea Kettle",
                     "Water Bottle"], "kitchen"),
    **dict.fromkeys(["Desk Lamp", "Wall Clock", "Bookshelf", "Office Chair", "LED Light Bulb",
                     "Smart Thermostat", "Air Purifier", "Vacuum Cleaner", "Notebook",
                     "Pet Bed"], "home & office"),
    **dict.fromkeys(["Yoga Mat", "Dumbbell Set", "Cycling Helmet", "Bicycle", "Skateboard"],
                    "sports"),
    **dict.fromkeys(["Garden Hose", "Patio Umbrella", "Grill"], "garden & outdoor"),
    **dict.fromkeys(["Electric Toothbrush", "Makeup Kit", "Perfume"], "beauty & personal care"),
    **dict.fromkeys(["Jigsaw Puzzle"], "toys & games"),
}


def category_of(name: str) -> str:
    return CATEGORIES.get(name, "other")


def product_doc_id(product_id: str) -> str:
    return f"product:{product_id}"


def product_document(
    product_id: str,
    name: str,
    variants: Mapping[str, Mapping[str, Any]],
    description: str = "",
) -> Document:
    """One document per product: the option summary first (the model reads ~256 word pieces)."""
    options: dict[str, list[str]] = {}
    lines, prices, in_stock = [], [], 0
    for item_id, v in variants.items():
        opts = {str(k): str(x) for k, x in (v.get("options") or {}).items()}
        for k, x in opts.items():
            if x not in options.setdefault(k, []):
                options[k].append(x)
        price = v.get("price")
        available = bool(v.get("available", True))
        in_stock += available
        if isinstance(price, int | float):
            prices.append(float(price))
        label = " / ".join(opts.values()) or item_id
        price_s = f" ${price:.2f}" if isinstance(price, int | float) else ""
        lines.append(f"{label}{price_s} {'in stock' if available else 'out of stock'}")
    summary = "; ".join(f"{k}: {', '.join(xs)}" for k, xs in options.items())
    parts = [f"{name}."]
    if description:
        parts.append(description.strip())
    if summary:
        parts.append(f"Options: {summary}.")
    if prices:
        parts.append(f"{len(variants)} variants, {in_stock} in stock, "
                     f"prices ${min(prices):.2f} to ${max(prices):.2f}.")
    if lines:
        parts.append("Variants: " + "; ".join(lines) + ".")
    meta: dict[str, Any] = {
        "product_id": product_id,
        "name": name,
        "category": category_of(name),
        "in_stock": in_stock > 0,
        "item_ids": list(variants),
        "price_min": min(prices) if prices else None,
        "price_max": max(prices) if prices else None,
    }
    return Document(id=product_doc_id(product_id), kind="product", text=" ".join(parts), meta=meta)


def product_documents(db_path: Path) -> list[Document]:
    products = json.loads(db_path.read_text())["products"]
    return [product_document(p["product_id"], p["name"], p["variants"]) for p in products.values()]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _chunks(text: str, max_words: int) -> list[str]:
    """Paragraph groups of at most ``max_words`` words (MiniLM truncates at 256 word pieces)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if out and len(out[-1].split()) + len(para.split()) <= max_words:
            out[-1] += "\n\n" + para
        elif para:
            out.append(para)
    return out


def policy_documents(policy_path: Path, max_words: int = 150) -> list[Document]:
    """One document per section (long ones in paragraph chunks, ``#n``); ``###`` sections
    keep their parent heading in id and text."""
    docs: list[Document] = []
    h2, h3 = "", ""  # current headings
    body: list[str] = []

    def flush() -> None:
        text = "\n".join(body).strip()
        if not text:
            return
        title = " / ".join(x for x in (h2, h3) if x) or "Introduction"
        doc_id = "policy:" + ("/".join(_slug(x) for x in (h2, h3) if x) or "intro")
        chunks = _chunks(text, max_words)
        for i, chunk in enumerate(chunks, 1):
            suffix = f"#{i}" if len(chunks) > 1 else ""
            docs.append(Document(id=doc_id + suffix, kind="policy", text=f"{title}\n{chunk}",
                                 meta={"section": title}))

    for line in policy_path.read_text().splitlines():
        if line.startswith("# "):
            continue
        if m := re.match(r"^(#{2,3}) (.+)$", line):
            flush()
            body = []
            if m.group(1) == "##":
                h2, h3 = m.group(2).strip(), ""
            else:
                h3 = m.group(2).strip()
            continue
        body.append(line)
    flush()
    return docs


def faq_documents(faq_path: Path) -> list[Document]:
    docs: list[Document] = []
    question, body = "", list[str]()
    for line in [*faq_path.read_text().splitlines(), "## "]:
        if line.startswith("## "):
            if question:
                n = len(docs) + 1
                docs.append(Document(id=f"faq:{n}", kind="faq",
                                     text=f"Q: {question}\nA: {' '.join(body).strip()}",
                                     meta={"question": question}))
            question, body = line[3:].strip(), []
        elif question and line.strip():
            body.append(line.strip())
    return docs


def embedding_text(doc: Document) -> str:
    """What the dense model reads: a product's name, description and option summary, not its
    variant list (repetitive, past MiniLM's 256 word pieces, and 3-4x the encoding time)."""
    if doc.kind == "product":
        return doc.text.split(" Variants: ", 1)[0]
    return doc.text


def resolution_doc_id(ticket_id: str) -> str:
    return f"resolution:{ticket_id}"
