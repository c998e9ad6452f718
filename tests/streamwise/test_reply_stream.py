from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from streamwise._reply_stream import ReplyPrinter, partial_json_string


def test_partial_string_decodes_what_has_arrived():
    assert partial_json_string('{"message": "Hel') == "Hel"
    assert partial_json_string('{"decision": "x", "message": "a\\nb \\"q\\" \\u00e9') == 'a\nb "q" é'
    assert partial_json_string('{"message": "half an escape \\u00') == "half an escape "
    assert partial_json_string('{"message": "done", "x": 1}') == "done"
    assert partial_json_string('{"other": "x"}') == ""


def _chunk(name=None, args=""):
    return ChatGenerationChunk(message=AIMessageChunk(
        content="", tool_call_chunks=[{"name": name, "args": args, "index": 0, "id": None}]))


def test_printer_writes_the_reply_as_it_grows_and_names_other_tools():
    written: list[str] = []
    printer = ReplyPrinter(written.append)
    printer.on_chat_model_start()
    for name, args in [("get_order_details", '{"order_id": "#W1"}')]:
        printer.on_llm_new_token("", chunk=_chunk(name, args))
    printer.on_chat_model_start()
    pieces = [("respond", '{"mess'), (None, 'age": "Your or'), (None, 'der shipped'), (None, '."}')]
    for name, args in pieces:
        printer.on_llm_new_token("", chunk=_chunk(name, args))
    assert written == ["[get_order_details] ", "Your or", "der shipped", "."]
    assert printer.printed
