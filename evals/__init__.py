"""Agent evaluation: `streamwise eval` suites (support tickets from τ² tasks, analyst questions with
gold SQL, order events with an independent oracle), run against any OpenAI-compatible endpoint.
"""
