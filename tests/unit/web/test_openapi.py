"""The OpenAPI description: the packages' parts merge into one valid OpenAPI 3.1 document, a
route described twice is refused, and the document describes exactly the routes the service
has (a route added without its description, or a description left behind, fails here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from ccc_telephony.app import Service
from ccc_telephony.config.settings import Settings
from ccc_telephony.web import openapi
from ccc_telephony.web.openapi import DescriptionConflict, document, merge, package_parts

SECRETS = ("ari-password", "ami-secret", "admin-token", "caller-hash-key")
OK = {"responses": {"200": {"description": "ok"}}}


def test_one_path_served_by_two_packages_merges_per_method() -> None:
    paths, _ = merge(
        [
            ("signatures/api.yaml", {"paths": {"/x": {"post": OK}}}),
            ("threats/api.yaml", {"paths": {"/x": {"delete": OK}, "/y": {"get": OK}}}),
        ]
    )
    assert paths == {"/x": {"post": OK, "delete": OK}, "/y": {"get": OK}}


def test_a_method_described_twice_names_both_files() -> None:
    parts = [
        ("a/api.yaml", {"paths": {"/x": {"get": OK}}}),
        ("b/api.yaml", {"paths": {"/x": {"get": OK}}}),
    ]
    with pytest.raises(
        DescriptionConflict, match=r"/x get: described in both a/api.yaml and b/api.yaml"
    ):
        merge(parts)


def test_a_schema_named_twice_must_say_the_same() -> None:
    same = {"components": {"schemas": {"Error": {"type": "object"}}}, "paths": {}}
    _, components = merge([("a/api.yaml", same), ("b/api.yaml", same)])
    assert components == {"schemas": {"Error": {"type": "object"}}}
    other = {"components": {"schemas": {"Error": {"type": "string"}}}, "paths": {}}
    with pytest.raises(DescriptionConflict, match="schemas Error"):
        merge([("a/api.yaml", same), ("b/api.yaml", other)])


def test_a_part_without_paths_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "api.yaml").write_text("components: {}\n")
    with pytest.raises(DescriptionConflict, match=r"broken/api\.yaml"):
        package_parts(tmp_path)


def test_the_whole_document_is_valid_openapi_3_1() -> None:
    described = document(package_parts())
    validate(described)  # raises on any error, $refs across packages' files included
    assert described["openapi"] == "3.1.0"
    schemes = described["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer"
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "ccc_session")


@pytest.fixture
async def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[web.Application]:
    """The real service's application, built (never started): its router is the truth."""
    for name in SECRETS:
        monkeypatch.setenv("CCC_" + name.upper().replace("-", "_"), "unit-test-secret")
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
        data_dir=tmp_path,
        secrets_dir=tmp_path,
    )
    service = Service(settings)
    yield service.web_app()
    await service.ari.close()
    await service.engine.dispose()
    await service.writer_engine.dispose()


def _served(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method.lower(), _path(route.resource))
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"  # aiohttp's own, for each GET
    }


def _path(resource: web.AbstractResource) -> str:
    """A static folder's files are one path with the file's name in it."""
    if isinstance(resource, web.StaticResource):
        return resource.canonical + "/{filename}"
    return resource.canonical


def _described() -> set[tuple[str, str]]:
    paths = document(package_parts())["paths"]
    return {
        (method, path)
        for path, item in paths.items()
        for method in item
        if method in openapi.METHODS
    }


async def test_every_route_of_the_service_is_described_and_nothing_else(
    app: web.Application,
) -> None:
    served, described = _served(app), _described()
    missing, extra = sorted(served - described), sorted(described - served)
    assert not missing, f"routes without a description in an api.yaml: {missing}"
    assert not extra, f"descriptions of routes the service does not have: {extra}"


async def test_the_document_is_served_without_a_token(app: web.Application) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app)) as client:
        response = await client.get(openapi.DOCUMENT_PATH)
        assert response.status == 200
        assert (await response.json())["paths"]["/api/v1/live"]["get"]["summary"]
