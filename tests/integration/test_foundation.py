"""The foundation: health, the dispatch seam in both modes, migrations on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from hub.extensions import db
from hub.heartbeat import PeriodicRun
from hub.timeutil import utcnow
from tests.support import dispose, make_test_app, run_worker


def heartbeat_rows():
    return db.session.scalars(select(PeriodicRun.name)).all()


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["jobs"]["mode"] == "embedded"


def test_healthz_names_redis_when_configured_but_down(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, SIRA_REDIS_URL="redis://127.0.0.1:1/0")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["failing"] == ["jobs"]
        assert "ConnectionError" in response.get_json()["jobs"]["error"]
    finally:
        dispose(app)


def test_embedded_job_runs_after_commit_only(app_context):
    from hub.dispatch import dispatch

    dispatch("hub.heartbeat.beat")
    db.session.rollback()
    assert heartbeat_rows() == []

    dispatch("hub.heartbeat.beat")
    db.session.commit()
    assert heartbeat_rows() == ["heartbeat"]


def test_scaleout_job_waits_in_redis_until_a_worker_runs_it(scaleout_app):
    from hub.dispatch import dispatch

    with scaleout_app.app_context():
        dispatch("hub.heartbeat.beat")
        db.session.commit()
        backend = scaleout_app.extensions["sira_dispatcher"]
        assert backend.queue.count == 1
        assert heartbeat_rows() == []
    run_worker(scaleout_app)
    with scaleout_app.app_context():
        assert heartbeat_rows() == ["heartbeat"]
        assert scaleout_app.test_client().get("/healthz").get_json()["jobs"]["queued"] == 0


def test_scaleout_commit_survives_redis_being_down(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path, SIRA_REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)
    from hub.dispatch import dispatch
    from tests.support import reset_database

    reset_database(app)
    try:
        with app.app_context():
            db.session.add(PeriodicRun(name="kept", last_run_at=utcnow()))
            dispatch("hub.heartbeat.beat")
            db.session.commit()
            assert heartbeat_rows() == ["kept"]
    finally:
        dispose(app)


def test_migrations_build_the_schema_the_models_describe(database_url, tmp_path):
    """`sira db upgrade` on an empty database yields exactly the models' schema, on both engines."""
    app = make_test_app(database_url, tmp_path)
    try:
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "render_as_batch": True}
                )
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            assert "periodic_run" in inspect(db.engine).get_table_names()
            # Upgrading twice is harmless (make run is safe to run twice).
            upgrade()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        dispose(app)
    # Leave the shared test schema as the other tests expect it.
    from tests import support

    support._schemas_created.discard(app.config["SQLALCHEMY_DATABASE_URI"])

