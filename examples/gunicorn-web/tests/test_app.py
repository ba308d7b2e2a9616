"""Runs with the standard library only: python -m unittest discover tests."""

import json
import unittest

from web.app import application


def call(path, query=""):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    body = b"".join(application({"PATH_INFO": path, "QUERY_STRING": query}, start_response))
    return seen["status"], json.loads(body)


class AppTest(unittest.TestCase):
    def test_index(self):
        self.assertEqual(call("/"), ("200 OK", {"message": "hello from gunicorn"}))

    def test_token(self):
        status, body = call("/token", "user=canto")
        self.assertEqual(status, "200 OK")
        self.assertTrue(body["token"])

    def test_missing(self):
        self.assertEqual(call("/nope")[0], "404 Not Found")


if __name__ == "__main__":
    unittest.main()
