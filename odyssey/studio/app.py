"""The studio's routes (Starlette): the page, its static files, and a JSON API over ``Studio``.

Every error a request can cause is HTTP 4xx with ``{"error": "one line naming the field
and the fix"}``; a request made stale by a newer one on its channel is 409
``{"error": ..., "superseded": true}`` (the page ignores those). Nothing else is served:
static files come from a fixed list, outputs only from under the output folder.

| method, path | does |
|---|---|
| GET / | the page |
| GET /static/NAME | the page's JS and CSS |
| GET /api/state | model, the opened document, the output folder |
| GET /api/seeds?start&count&truncation&class | a page of the seed grid |
| POST /api/plane {document, leg, extent, grid} | the plane map of a polyline leg |
| POST /api/stroke {points} | save a drawn stroke, get its points file |
| POST /api/preview {document, start, count} | preview frames (cached) |
| POST /api/check {document} | speed and seam diagnostics |
| POST /api/export {document, name, format} | write NAME.yaml into the output folder |
| GET /api/documents; GET /api/document?name | the path files saved there; open one |
| GET, POST, DELETE /api/render | render status; start a render of NAME.yaml; cancel it |
| GET /outputs/NAME | a file under the output folder |
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from odyssey import api
from odyssey.errors import ConfigError, OdysseyError
from odyssey.studio.channels import Superseded
from odyssey.studio.guard import Access, check_name, inside, is_within
from odyssey.studio.renders import Render
from odyssey.studio.session import Studio

if TYPE_CHECKING:  # Starlette is the explore extra: imported where the app is built, never on import
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

STATIC = Path(__file__).resolve().parent / "static"
MEDIA = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
MAX_BODY = 4 << 20
COOKIE = "odyssey_token"  # with --listen: set by the URL printed at start (?token=...), so scripts and images load


def create_app(studio: Studio, access: Access) -> Starlette:
    """The ASGI app of one studio; ``access`` decides which requests get in."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Route

    static = {p.name: p for p in STATIC.iterdir() if p.suffix in MEDIA}  # fixed at start
    render = Render()

    def page(request: Request) -> Response:
        return FileResponse(static["index.html"], media_type=MEDIA[".html"], headers={"Cache-Control": "no-store"})

    def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            return JSONResponse({"error": f"static/{name}: no such file of the studio"}, status_code=404)
        return FileResponse(static[name], media_type=MEDIA[static[name].suffix], headers={"Cache-Control": "no-store"})

    def state(request: Request) -> dict:
        return studio.state()

    def seeds(request: Request) -> dict:
        q = request.query_params
        return studio.seeds(q.get("start", 0), q.get("count", 16), q.get("truncation", 1.0), q.get("class"))

    def outputs(request: Request) -> Response:
        target = inside(studio.folder, request.path_params["name"], "outputs")
        if not target.is_file():
            return JSONResponse({"error": f"outputs/{request.path_params['name']}: no such file in the output folder"}, status_code=404)
        return FileResponse(target)

    async def with_body(request: Request, handler: Callable[[dict], Any]) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error(f"the request is {len(body)} bytes; at most {MAX_BODY}", 413)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return _error("send JSON (Content-Type: application/json)", 415)
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            return _error(f"the request is not valid JSON ({exc})")
        if not isinstance(data, dict):
            return _error("send a JSON object")
        return await _run(lambda: handler(data))

    def posting(handler: Callable[[dict], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await with_body(request, handler)

        return endpoint

    def getting(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await _run(lambda: handler(request))

        return endpoint

    def start_render(data: dict) -> dict:
        stem = check_name(data.get("name"))
        path_file = studio.folder / f"{stem}.yaml"
        if not path_file.is_file():
            raise _NotFound(f"name: {stem}.yaml is not in the output folder; export it first")
        studio.documents.checked(_read(path_file))  # its model and files are the studio's
        _, output = api.load_config(path_file)
        if not is_within(studio.folder, output):
            raise ConfigError(f"output: {stem}.yaml renders to {output}, outside the output folder; export it again")
        return render.start(path_file, output)

    routes = [
        Route("/", page),
        Route("/static/{name:path}", asset),
        Route("/api/state", getting(state)),
        Route("/api/seeds", getting(seeds)),
        Route("/api/plane", posting(lambda d: studio.plane(d.get("document"), d.get("leg", 0), d.get("extent", 1.0), d.get("grid", 5))), methods=["POST"]),
        Route("/api/stroke", posting(lambda d: studio.stroke(d.get("points"))), methods=["POST"]),
        Route("/api/preview", posting(lambda d: studio.preview(d.get("document"), d.get("start", 0), d.get("count", 16))), methods=["POST"]),
        Route("/api/check", posting(lambda d: studio.check(d.get("document"))), methods=["POST"]),
        Route("/api/export", posting(lambda d: {"file": studio.documents.export(d.get("document"), d.get("name"), d.get("format", "mp4")).name}), methods=["POST"]),
        Route("/api/documents", getting(lambda r: {"saved": studio.documents.saved()})),
        Route("/api/document", getting(lambda r: {"document": studio.documents.open(r.query_params.get("name"))})),
        Route("/api/render", getting(lambda r: render.status()), methods=["GET"]),
        Route("/api/render", posting(start_render), methods=["POST"]),
        Route("/api/render", getting(lambda r: render.cancel()), methods=["DELETE"]),
        Route("/outputs/{name:path}", getting(outputs)),
    ]
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        render.stop()  # Ctrl-C: a running render is interrupted and tidies up

    async def gate(request: Request, call_next: Callable) -> Response:
        given = request.headers.get("x-odyssey-token") or request.query_params.get("token") or request.cookies.get(COOKIE)
        why = access.refusal(request.headers.get("host", ""), given, None)
        if why is not None:
            return _error(why, 403)
        response = await call_next(request)
        if access.token and request.query_params.get("token"):  # the page's own files and links then carry it
            response.set_cookie(COOKIE, access.token, httponly=True, samesite="strict")
        return response

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(BaseHTTPMiddleware, dispatch=gate)])
    app.state.render = render
    return app


class _NotFound(OdysseyError):
    """A name that is valid but names nothing there (404)."""


def _read(path_file: Path) -> dict:
    return api.absolute_files(api.read_yaml(path_file), path_file.parent)


def _error(message: str, status: int = 400, **extra: Any) -> JSONResponse:
    from starlette.responses import JSONResponse

    return JSONResponse({"error": message, **extra}, status_code=status)


async def _run(work: Callable[[], Any]) -> Response:
    """Run ``work`` in a worker thread; its result as JSON, its typed errors as 4xx lines."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response

    try:
        result = await run_in_threadpool(work)
    except (Superseded, api.TilesCancelled):
        return _error("superseded by a newer request", 409, superseded=True)
    except _NotFound as exc:
        return _error(str(exc), 404)
    except OdysseyError as exc:
        return _error(" ".join(str(exc).split("\n")) or type(exc).__name__)
    except Exception as exc:  # a bug, not the user's input: still one line, never a traceback
        return _error(f"internal error ({type(exc).__name__}: {exc}); please report it", 500)
    return result if isinstance(result, Response) else JSONResponse(result)
