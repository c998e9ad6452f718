"""The 16 retail order tools of the τ²-bench retail domain, over the store's retail tables.

Semantics, checks and messages follow the τ²-bench reference implementation
(the gold replay in tests/tools checks every train task). On top of it, what
policy.md says and a tool can enforce is enforced here: a customer actor sees
and changes only their own records (and pays or is refunded only through their
own payment methods); refunds above ``settings.refund_approval_limit`` need
``ctx.approved``; a refund is paid from what each method paid and has not had
back (``refundable``), never from the history's refund entries; address and
payment changes need the status 'pending' exactly (after an item modification
the policy says the order cannot change again).

``settings.tau2_compat`` reproduces three quirks of the reference: in
``modify_pending_order_items`` every modified line gets the *last* new item's
price and options and the price difference is not rounded; address and payment
changes are allowed on any status containing "pending". It is off by default:
then each line gets its own new item's price and options and amounts are rounded
to cents. Only the gold replay turns it on.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field

from ._args import AddressLine, Email, Identifier, Name, Text, ToolArgs
from ._retail_access import (
    fold,
    is_gift_card,
    load_order,
    load_user,
    load_variant,
    payment_method,
    refundable,
    save_order,
    save_user,
)
from .context import Role
from .errors import ApprovalRequired, InvalidArguments, NotFound, PolicyViolation
from .registry import Tool, ToolEnv, tool
from .retail_db import fetch_dicts, variant_record
from .retail_models import (
    Calculation,
    Order,
    Product,
    ProductTypes,
    Transfer,
    User,
    UserId,
    Variant,
)

# An order holds a handful of lines; a long list is a mistake or an attack.
_MAX_LINES = 50
_MAX_EXPRESSION = 500

OrderId = Annotated[Identifier, Field(description="The order id, such as '#W0000000'. Be "
                                                  "careful there is a '#' symbol at the "
                                                  "beginning.")]
UserIdArg = Annotated[Identifier, Field(description="The user id, such as 'sara_doe_496'.")]
ItemIds = Annotated[list[Identifier], Field(
    min_length=1, max_length=_MAX_LINES,
    description="Item ids, each such as '1008292230'. There could be duplicates.")]
PaymentMethodId = Annotated[Identifier, Field(
    description="A payment method id of the user, such as 'gift_card_0000000' or "
                "'credit_card_0000000'. Look it up in the user or order details.")]

_WRITERS: tuple[Role, ...] = ("system", "support", "customer")
_READERS: tuple[Role, ...] = ("system", "support", "customer")


class _AddressArgs(ToolArgs):
    address1: Name = Field(description="First line of the address, such as '123 Main St'.")
    address2: AddressLine = Field(description="Second line of the address, such as 'Apt 1' "
                                              "or ''.")
    city: Name = Field(description="The city, such as 'San Francisco'.")
    state: Name = Field(description="The state, such as 'CA'.")
    country: Name = Field(description="The country, such as 'USA'.")
    zip: Name = Field(description="The zip code, such as '12345'.")

    def address(self) -> dict[str, str]:
        return {"address1": self.address1, "address2": self.address2, "city": self.city,
                "country": self.country, "state": self.state, "zip": self.zip}


class FindUserByEmailArgs(ToolArgs):
    email: Email = Field(description="The email of the user, such as 'something@example.com'.")


class FindUserByNameZipArgs(ToolArgs):
    first_name: Name = Field(description="The first name of the customer, such as 'John'.")
    last_name: Name = Field(description="The last name of the customer, such as 'Doe'.")
    zip: Name = Field(description="The zip code of the customer, such as '12345'.")


class UserIdArgs(ToolArgs):
    user_id: UserIdArg


class OrderIdArgs(ToolArgs):
    order_id: OrderId


class ProductIdArgs(ToolArgs):
    product_id: Identifier = Field(description="The product id, such as '6086499569'. It is "
                                        "different from an item id.")


class ItemIdArgs(ToolArgs):
    item_id: Identifier = Field(description="The item id, such as '6086499569'. It is different "
                                     "from a product id.")


class NoArgs(ToolArgs):
    pass


class CalculateArgs(ToolArgs):
    expression: str = Field(
        min_length=1, max_length=_MAX_EXPRESSION,
        description="A mathematical expression such as '2 + 2', with numbers, + - * /, "
                    "parentheses and spaces.")


class TransferArgs(ToolArgs):
    summary: Text = Field(description="A summary of the user's issue.")


class CancelArgs(ToolArgs):
    order_id: OrderId
    reason: Literal["no longer needed", "ordered by mistake"] = Field(
        description="The reason for cancellation: 'no longer needed' or 'ordered by mistake'.")


class ModifyOrderAddressArgs(_AddressArgs):
    order_id: OrderId


class ModifyUserAddressArgs(_AddressArgs):
    user_id: UserIdArg


class ModifyPaymentArgs(ToolArgs):
    order_id: OrderId
    payment_method_id: PaymentMethodId


class ChangeItemsArgs(ToolArgs):
    order_id: OrderId
    item_ids: ItemIds
    new_item_ids: list[Identifier] = Field(
        min_length=1, max_length=_MAX_LINES,
        description="The new item ids, each matching the item id in the same position and of "
                    "the same product.")
    payment_method_id: PaymentMethodId


class ReturnArgs(ToolArgs):
    order_id: OrderId
    item_ids: ItemIds
    payment_method_id: PaymentMethodId


def _require_approval(env: ToolEnv, refund: float, what: str) -> None:
    limit = float(env.settings.refund_approval_limit)
    if refund > limit and not env.ctx.approved:
        raise ApprovalRequired(
            f"a refund of {refund:.2f} for {what} exceeds the limit of {limit:.2f}",
            {"refund": round(refund, 2), "limit": limit},
        )


def _check_refundable(order: dict[str, Any], refund: float) -> None:
    """A refund never exceeds what the order's payments brought in and was not refunded."""
    available = round(sum(refundable(order).values()), 2)
    if round(refund, 2) > available:
        raise PolicyViolation(
            f"a refund of {refund:.2f} exceeds the {available:.2f} paid for this order and "
            "not yet refunded", "transfer to a human agent to review the order's payments")


def _check_modifiable(env: ToolEnv, order: dict[str, Any]) -> None:
    """Address and payment changes: policy allows them only while the status is 'pending'.

    After modify_pending_order_items the status is 'pending (item modified)' and the policy
    says the order can no longer be modified; the τ² reference still allows it
    (``"pending" in status``), which ``tau2_compat`` reproduces for the gold replay.
    """
    status = order["status"]
    allowed = "pending" in status if env.settings.tau2_compat else status == "pending"
    if not allowed:
        raise PolicyViolation("Non-pending order cannot be modified",
                              "only orders with status 'pending' can be modified; once its "
                              "items were modified an order cannot be changed again")


def _check_items_exist(order: dict[str, Any], item_ids: list[str], message: str) -> None:
    present = [item["item_id"] for item in order["items"]]
    for item_id in item_ids:
        if item_ids.count(item_id) > present.count(item_id):
            raise NotFound(message.format(item_id=item_id),
                           "use item ids from the order's items (get_order_details)")


def _price_difference(env: ToolEnv, order: dict[str, Any], item_ids: list[str],
                      new_item_ids: list[str], *, modify: bool
                      ) -> tuple[float, list[dict[str, Any]]]:
    """Sum of new minus old prices, and the new variants in order (reference's loop)."""
    diff = 0.0
    variants = []
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=True):
        if modify and item_id == new_item_id:
            raise InvalidArguments("The new item id should be different from the old item id")
        item = next(i for i in order["items"] if i["item_id"] == item_id)
        variant = load_variant(env.db, item["product_id"], new_item_id)
        if not variant["available"]:
            raise PolicyViolation(f"New item {new_item_id} not found or available",
                                  "pick an available variant (get_product_details)")
        diff += variant["price"] - item["price"]
        variants.append(variant)
    return diff, variants


# ---- read tools -------------------------------------------------------------------------


@tool(roles=_READERS)
def find_user_id_by_email(args: FindUserByEmailArgs, env: ToolEnv) -> UserId:
    """Find user id by email. If the user is not found, the function will return an error
    message."""
    rows = env.db.execute("SELECT user_id, email FROM users ORDER BY seq").fetchall()
    wanted = fold(args.email)
    for user_id, email in rows:
        if fold(email) == wanted and _visible(env, user_id):
            return UserId(user_id=user_id)
    raise NotFound("User not found", "check the spelling, or find the user by name and zip")


@tool(roles=_READERS)
def find_user_id_by_name_zip(args: FindUserByNameZipArgs, env: ToolEnv) -> UserId:
    """Find user id by first name, last name, and zip code. If the user is not found, the
    function will return an error message. By default, find user id by email, and only call
    this function if the user is not found by email or cannot remember email."""
    rows = env.db.execute(
        "SELECT user_id, first_name, last_name FROM users "
        "WHERE address ->> 'zip' = ? ORDER BY seq", [args.zip]).fetchall()
    first, last = fold(args.first_name), fold(args.last_name)
    for user_id, first_name, last_name in rows:
        if fold(first_name) == first and fold(last_name) == last and _visible(env, user_id):
            return UserId(user_id=user_id)
    raise NotFound("User not found", "check the name and zip code, or find the user by email")


def _visible(env: ToolEnv, user_id: str) -> bool:
    # A customer finding someone else's id learns nothing: it reads as "not found".
    actor = env.ctx.actor
    return actor.role != "customer" or actor.user_id == user_id


@tool(roles=_READERS)
def get_user_details(args: UserIdArgs, env: ToolEnv) -> User:
    """Get the details of a user, including their orders."""
    return User.model_validate(load_user(env.db, env.ctx, args.user_id))


@tool(roles=_READERS)
def get_order_details(args: OrderIdArgs, env: ToolEnv) -> Order:
    """Get the status and details of an order."""
    return Order.model_validate(load_order(env.db, env.ctx, args.order_id))


@tool()
def get_product_details(args: ProductIdArgs, env: ToolEnv) -> Product:
    """Get the inventory details of a product."""
    name = env.db.execute("SELECT name FROM products WHERE product_id = ?",
                          [args.product_id]).fetchone()
    if name is None:
        raise NotFound("Product not found",
                       "product ids differ from item ids; see list_all_product_types")
    rows = fetch_dicts(env.db, "SELECT * FROM variants WHERE product_id = ? ORDER BY seq",
                       [args.product_id])
    return Product(name=name[0], product_id=args.product_id,
                   variants={r["item_id"]: Variant.model_validate(variant_record(r))
                             for r in rows})


@tool()
def get_item_details(args: ItemIdArgs, env: ToolEnv) -> Variant:
    """Get the inventory details of an item."""
    rows = fetch_dicts(env.db, "SELECT * FROM variants WHERE item_id = ?", [args.item_id])
    if not rows:
        raise NotFound("Item not found", "item ids differ from product ids")
    return Variant.model_validate(variant_record(rows[0]))


@tool()
def list_all_product_types(args: NoArgs, env: ToolEnv) -> ProductTypes:
    """List the name and product id of all product types. Each product type has a variety of
    different items with unique item ids and options. There are only 50 product types in the
    store."""
    rows = env.db.execute("SELECT name, product_id FROM products ORDER BY name").fetchall()
    return ProductTypes(products=dict(rows))


_OPS: dict[type, Callable[..., float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.USub: operator.neg, ast.UAdd: operator.pos,
}
# Bounds of the calculator (open to everyone, unauthenticated customers included): money
# sums need none of this, and beyond it float results stop being exact to the cent.
_MAX_NESTING = 32  # parentheses
_MAX_DEPTH = 300  # of the syntax tree: "1+1+...+1" is deep without parentheses
_MAX_NUMBER = 1e15
_CALC_HINT = "use numbers, + - * /, parentheses and spaces, such as '(12.5 + 3) * 2'"


def _bounded(value: float) -> float:
    if not abs(value) <= _MAX_NUMBER:  # also catches NaN and inf
        raise InvalidArguments(f"Number too large: the calculator works up to {_MAX_NUMBER:g}",
                               _CALC_HINT)
    return value


def _evaluate(node: ast.AST, depth: int = 0) -> float:
    if depth > _MAX_DEPTH:
        raise InvalidArguments("Expression too long", _CALC_HINT)
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
            and not isinstance(node.value, bool):
        if isinstance(node.value, int) and node.value.bit_length() > 64:
            raise InvalidArguments("Number too large", _CALC_HINT)
        return _bounded(float(node.value))
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _evaluate(node.left, depth + 1), _evaluate(node.right, depth + 1)
        return _bounded(_OPS[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _bounded(_OPS[type(node.op)](_evaluate(node.operand, depth + 1)))
    raise InvalidArguments("Invalid expression", _CALC_HINT)


@tool()
def calculate(args: CalculateArgs, env: ToolEnv) -> Calculation:
    """Calculate the result of a mathematical expression, rounded to 2 decimals."""
    if not all(c in "0123456789+-*/(). " for c in args.expression):
        raise InvalidArguments("Invalid characters in expression", _CALC_HINT)
    # Parentheses are counted first: the parser itself recurses on them.
    depth = running = 0
    for c in args.expression:
        running += {"(": 1, ")": -1}.get(c, 0)
        depth = max(depth, running)
    if depth > _MAX_NESTING:
        raise InvalidArguments(f"Expression nested too deeply (more than {_MAX_NESTING} "
                               "levels of parentheses)", _CALC_HINT)
    try:
        value = _evaluate(ast.parse(args.expression, mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, RecursionError,
            MemoryError) as exc:
        raise InvalidArguments(f"Invalid expression: {exc}", _CALC_HINT) from exc
    return Calculation(result=str(round(value, 2)))


@tool(roles=_READERS)
def transfer_to_human_agents(args: TransferArgs, env: ToolEnv) -> Transfer:
    """Transfer the user to a human agent, with a summary of the user's issue. Only transfer
    if the user explicitly asks for a human agent, or given the policy and the available
    tools, you cannot solve the user's issue."""
    return Transfer(message="Transfer successful")


# ---- write tools ------------------------------------------------------------------------


@tool(side_effect=True, roles=_WRITERS)
def cancel_pending_order(args: CancelArgs, env: ToolEnv) -> Order:
    """Cancel a pending order. If the order is already processed or delivered, it cannot be
    cancelled. The agent needs to explain the cancellation detail and ask for explicit user
    confirmation (yes/no) to proceed. If the user confirms, the order status will be changed
    to 'cancelled' and the payment will be refunded. The refund will be added to the user's
    gift card balance immediately if the payment was made using a gift card, otherwise the
    refund would take 5-7 business days to process. Returns the order after cancellation."""
    order = load_order(env.db, env.ctx, args.order_id)
    if order["status"] != "pending":
        raise PolicyViolation("Non-pending order cannot be cancelled",
                              "only orders with status 'pending' can be cancelled")
    # What each method paid and has not had back: never every history entry (which would
    # pay out a payment-method change's refund again).
    owed = refundable(order)
    _require_approval(env, sum(owed.values()), f"cancelling {args.order_id}")
    user = load_user(env.db, env.ctx, order["user_id"])
    refunds = []
    for method_id, amount in owed.items():
        refunds.append({"transaction_type": "refund", "amount": amount,
                        "payment_method_id": method_id})
        method = payment_method(user, method_id)
        if is_gift_card(method):
            method["balance"] = round(method["balance"] + amount, 2)
    order["status"] = "cancelled"
    order["cancel_reason"] = args.reason
    order["payment_history"].extend(refunds)
    save_user(env.db, user)
    save_order(env.db, order)
    return Order.model_validate(order)


@tool(side_effect=True, roles=_WRITERS)
def exchange_delivered_order_items(args: ChangeItemsArgs, env: ToolEnv) -> Order:
    """Exchange items in a delivered order to new items of the same product type. For a
    delivered order, return or exchange can be only done once by the agent. The agent needs
    to explain the exchange detail and ask for explicit user confirmation (yes/no) to
    proceed. Returns the order after the exchange."""
    order = load_order(env.db, env.ctx, args.order_id)
    if order["status"] != "delivered":
        raise PolicyViolation("Non-delivered order cannot be exchanged",
                              "only delivered orders can be exchanged")
    _check_items_exist(order, args.item_ids, "Number of {item_id} not found.")
    if len(args.item_ids) != len(args.new_item_ids):
        raise InvalidArguments("The number of items to be exchanged should match.")
    diff, _ = _price_difference(env, order, args.item_ids, args.new_item_ids, modify=False)
    diff = round(diff, 2)
    user = load_user(env.db, env.ctx, order["user_id"])
    method = payment_method(user, args.payment_method_id)
    if is_gift_card(method) and method["balance"] < diff:
        raise PolicyViolation("Insufficient gift card balance to pay for the price difference",
                              "choose another payment method")
    _check_refundable(order, -diff)
    _require_approval(env, -diff, f"exchanging items of {args.order_id}")
    order["status"] = "exchange requested"
    order["exchange_items"] = sorted(args.item_ids)
    order["exchange_new_items"] = sorted(args.new_item_ids)
    order["exchange_payment_method_id"] = args.payment_method_id
    order["exchange_price_difference"] = diff
    save_order(env.db, order)
    return Order.model_validate(order)


@tool(side_effect=True, roles=_WRITERS)
def modify_pending_order_address(args: ModifyOrderAddressArgs, env: ToolEnv) -> Order:
    """Modify the shipping address of a pending order. The agent needs to explain the
    modification detail and ask for explicit user confirmation (yes/no) to proceed."""
    order = load_order(env.db, env.ctx, args.order_id)
    _check_modifiable(env, order)
    order["address"] = args.address()
    save_order(env.db, order)
    return Order.model_validate(order)


@tool(side_effect=True, roles=_WRITERS)
def modify_pending_order_items(args: ChangeItemsArgs, env: ToolEnv) -> Order:
    """Modify items in a pending order to new items of the same product type. For a pending
    order, this function can only be called once. The agent needs to explain the exchange
    detail and ask for explicit user confirmation (yes/no) to proceed."""
    order = load_order(env.db, env.ctx, args.order_id)
    if order["status"] != "pending":
        raise PolicyViolation("Non-pending order cannot be modified",
                              "items of an order can be modified once, while it is 'pending'")
    _check_items_exist(order, args.item_ids, "{item_id} not found")
    if len(args.item_ids) != len(args.new_item_ids):
        raise InvalidArguments("The number of items to be exchanged should match")
    diff, variants = _price_difference(env, order, args.item_ids, args.new_item_ids,
                                       modify=True)
    compat = env.settings.tau2_compat
    if not compat:
        diff = round(diff, 2)
    user = load_user(env.db, env.ctx, order["user_id"])
    method = payment_method(user, args.payment_method_id)
    if is_gift_card(method) and method["balance"] < diff:
        raise PolicyViolation("Insufficient gift card balance to pay for the new item",
                              "choose another payment method")
    _check_refundable(order, -diff)
    _require_approval(env, -diff, f"modifying items of {args.order_id}")
    order["payment_history"].append({
        "transaction_type": "payment" if diff > 0 else "refund",
        "amount": abs(diff), "payment_method_id": args.payment_method_id})
    if is_gift_card(method):
        method["balance"] = round(method["balance"] - diff, 2)
    for item_id, new_item_id, variant in zip(args.item_ids, args.new_item_ids, variants,
                                             strict=True):
        source = variants[-1] if compat else variant
        item = next(i for i in order["items"] if i["item_id"] == item_id)
        item["item_id"] = new_item_id
        item["price"] = source["price"]
        item["options"] = source["options"]
    order["status"] = "pending (item modified)"
    save_user(env.db, user)
    save_order(env.db, order)
    return Order.model_validate(order)


@tool(side_effect=True, roles=_WRITERS)
def modify_pending_order_payment(args: ModifyPaymentArgs, env: ToolEnv) -> Order:
    """Modify the payment method of a pending order. The agent needs to explain the
    modification detail and ask for explicit user confirmation (yes/no) to proceed."""
    order = load_order(env.db, env.ctx, args.order_id)
    _check_modifiable(env, order)
    user = load_user(env.db, env.ctx, order["user_id"])
    method = payment_method(user, args.payment_method_id)
    history = order["payment_history"]
    if len(history) != 1 or history[0]["transaction_type"] != "payment":
        raise PolicyViolation("There should be exactly one payment for a pending order")
    old_id = history[0]["payment_method_id"]
    if old_id == args.payment_method_id:
        raise PolicyViolation("The new payment method should be different from the current one")
    amount = history[0]["amount"]
    if is_gift_card(method) and method["balance"] < amount:
        raise PolicyViolation("Insufficient gift card balance to pay for the order",
                              "choose another payment method")
    history.extend([
        {"transaction_type": "payment", "amount": amount,
         "payment_method_id": args.payment_method_id},
        {"transaction_type": "refund", "amount": amount, "payment_method_id": old_id},
    ])
    if is_gift_card(method):
        method["balance"] = round(method["balance"] - amount, 2)
    old_method = payment_method(user, old_id)
    if is_gift_card(old_method):
        old_method["balance"] = round(old_method["balance"] + amount, 2)
    save_user(env.db, user)
    save_order(env.db, order)
    return Order.model_validate(order)


@tool(side_effect=True, roles=_WRITERS)
def modify_user_address(args: ModifyUserAddressArgs, env: ToolEnv) -> User:
    """Modify the default address of a user. The agent needs to explain the modification
    detail and ask for explicit user confirmation (yes/no) to proceed."""
    user = load_user(env.db, env.ctx, args.user_id)
    user["address"] = args.address()
    save_user(env.db, user)
    return User.model_validate(user)


@tool(side_effect=True, roles=_WRITERS)
def return_delivered_order_items(args: ReturnArgs, env: ToolEnv) -> Order:
    """Return some items of a delivered order. The order status will be changed to 'return
    requested'. The agent needs to explain the return detail and ask for explicit user
    confirmation (yes/no) to proceed. The user will receive follow-up email for how and
    where to return the item. The refund goes to the original payment method or to an
    existing gift card."""
    order = load_order(env.db, env.ctx, args.order_id)
    if order["status"] != "delivered":
        raise PolicyViolation("Non-delivered order cannot be returned",
                              "only delivered orders can be returned")
    user = load_user(env.db, env.ctx, order["user_id"])
    method = payment_method(user, args.payment_method_id)
    if not is_gift_card(method) and \
            args.payment_method_id != order["payment_history"][0]["payment_method_id"]:
        raise PolicyViolation("Payment method should be the original payment method",
                              "refund to the original payment method or a gift card")
    _check_items_exist(order, args.item_ids, "Some item not found")
    refund = sum(next(i["price"] for i in order["items"] if i["item_id"] == item_id)
                 for item_id in args.item_ids)
    _check_refundable(order, refund)
    _require_approval(env, refund, f"returning items of {args.order_id}")
    order["status"] = "return requested"
    order["return_items"] = sorted(args.item_ids)
    order["return_payment_method_id"] = args.payment_method_id
    save_order(env.db, order)
    return Order.model_validate(order)


RETAIL_TOOLS: list[Tool[Any, Any]] = [
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_user_details,
    get_order_details,
    get_product_details,
    get_item_details,
    list_all_product_types,
    cancel_pending_order,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
    exchange_delivered_order_items,
    calculate,
    transfer_to_human_agents,
]
