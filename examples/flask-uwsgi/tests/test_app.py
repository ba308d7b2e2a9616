from app import create_app


def test_index():
    client = create_app().test_client()
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.get_json() == {"message": "hello from flask behind uwsgi"}


def test_healthz():
    resp = create_app().test_client().get("/healthz")
    assert resp.data == b"ok\n"
