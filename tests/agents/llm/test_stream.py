import json

from agents.llm._stream import ToolCallStreamer

CALL = '<tool_call>\n{"name": "respond", "arguments": {"message": "Hi {there} \\"you\\"", ' \
       '"n": [1, {"a": 2}]}}\n</tool_call>'


def _feed(streamer: ToolCallStreamer, text: str, size: int) -> list[dict]:
    deltas = []
    for i in range(0, len(text), size):
        deltas += streamer.feed(text[i:i + size])
    return deltas


def test_arguments_stream_piece_by_piece_and_stop_at_their_end():
    for size in (1, 3, 7, len(CALL)):
        deltas = _feed(ToolCallStreamer({"respond"}), CALL, size)
        assert deltas[0]["function"]["name"] == "respond" and deltas[0]["id"].startswith("call_")
        arguments = "".join(d["function"]["arguments"] for d in deltas)
        assert json.loads(arguments) == {"message": 'Hi {there} "you"', "n": [1, {"a": 2}]}
        if size < 5:
            assert len(deltas) > 10  # many pieces, not one at the end


def test_unknown_tool_or_plain_text_starts_nothing():
    streamer = ToolCallStreamer({"get_order"})
    assert _feed(streamer, CALL, 4) == []
    assert not streamer.started
    plain = ToolCallStreamer({"respond"})
    assert plain.feed("Sure, your order shipped.") == [] and not plain.started
