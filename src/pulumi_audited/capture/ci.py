"""The CI system running pulumi, with who triggered it and a link to the run.

Only names, ids and URLs are copied; never a token-bearing variable (GITHUB_TOKEN,
CI_JOB_TOKEN, BUILDKITE_AGENT_ACCESS_TOKEN, SYSTEM_ACCESSTOKEN...).
"""

from pulumi_audited.pulumi.redact import strip_url_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def detect_ci(environ: "Mapping[str, str]") -> dict | None:
    """The CI system running this command, with who triggered it and a link to the run."""
    for detector in _CI_DETECTORS:
        found = detector(environ)
        if found is not None:
            return found
    return None


def _ci(system: str, actor: str | None, run_url: str | None, **details: str | None) -> dict:
    record: dict = {
        "system": system,
        "actor": actor or None,
        "run_url": strip_url_credentials(run_url) if run_url else None,
    }
    for name, value in details.items():
        if value:
            record[name] = value
    return record


def _github_actions(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    server = (environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY")
    run_id = environ.get("GITHUB_RUN_ID")
    run_url = None
    if repository and run_id:
        run_url = f"{server}/{repository}/actions/runs/{run_id}"
        attempt = environ.get("GITHUB_RUN_ATTEMPT", "")
        if attempt.isdigit() and int(attempt) > 1:
            run_url += f"/attempts/{attempt}"
    return _ci(
        "github-actions",
        environ.get("GITHUB_ACTOR"),
        run_url,
        repository=repository,
        ref=environ.get("GITHUB_REF"),
        workflow=environ.get("GITHUB_WORKFLOW"),
        job=environ.get("GITHUB_JOB"),
        event=environ.get("GITHUB_EVENT_NAME"),
        triggering_actor=environ.get("GITHUB_TRIGGERING_ACTOR"),
    )


def _gitlab_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("GITLAB_CI") != "true":
        return None
    return _ci(
        "gitlab-ci",
        environ.get("GITLAB_USER_LOGIN"),
        environ.get("CI_JOB_URL") or environ.get("CI_PIPELINE_URL"),
        repository=environ.get("CI_PROJECT_PATH"),
        ref=environ.get("CI_COMMIT_REF_NAME"),
        job=environ.get("CI_JOB_NAME"),
        pipeline_id=environ.get("CI_PIPELINE_ID"),
        actor_email=environ.get("GITLAB_USER_EMAIL"),
    )


def _jenkins(environ: "Mapping[str, str]") -> dict | None:
    if not environ.get("JENKINS_URL") or not (environ.get("BUILD_URL") or environ.get("BUILD_ID")):
        return None
    return _ci(
        "jenkins",
        environ.get("BUILD_USER_ID"),
        environ.get("BUILD_URL"),
        job=environ.get("JOB_NAME"),
        ref=environ.get("GIT_BRANCH") or environ.get("BRANCH_NAME"),
        build_number=environ.get("BUILD_NUMBER"),
    )


def _circleci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("CIRCLECI") != "true":
        return None
    owner = environ.get("CIRCLE_PROJECT_USERNAME")
    name = environ.get("CIRCLE_PROJECT_REPONAME")
    return _ci(
        "circleci",
        environ.get("CIRCLE_USERNAME"),
        environ.get("CIRCLE_BUILD_URL"),
        repository=f"{owner}/{name}" if owner and name else None,
        ref=environ.get("CIRCLE_BRANCH") or environ.get("CIRCLE_TAG"),
        job=environ.get("CIRCLE_JOB"),
    )


def _buildkite(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("BUILDKITE") != "true":
        return None
    organization = environ.get("BUILDKITE_ORGANIZATION_SLUG")
    pipeline = environ.get("BUILDKITE_PIPELINE_SLUG")
    run_url = environ.get("BUILDKITE_BUILD_URL")
    job_id = environ.get("BUILDKITE_JOB_ID")
    if run_url and job_id:
        run_url += f"#{job_id}"
    return _ci(
        "buildkite",
        environ.get("BUILDKITE_BUILD_CREATOR_EMAIL") or environ.get("BUILDKITE_BUILD_CREATOR"),
        run_url,
        repository=f"{organization}/{pipeline}" if organization and pipeline else None,
        ref=environ.get("BUILDKITE_BRANCH"),
        job=environ.get("BUILDKITE_LABEL"),
    )


def _azure_pipelines(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("TF_BUILD", "").lower() != "true":
        return None
    collection = environ.get("SYSTEM_COLLECTIONURI")
    project = environ.get("SYSTEM_TEAMPROJECT")
    build_id = environ.get("BUILD_BUILDID")
    run_url = None
    if collection and project and build_id:
        run_url = (
            f"{collection.rstrip('/')}/{_quote_path_segment(project)}"
            f"/_build/results?buildId={build_id}"
        )
    return _ci(
        "azure-pipelines",
        environ.get("BUILD_REQUESTEDFOREMAIL") or environ.get("BUILD_REQUESTEDFOR"),
        run_url,
        repository=environ.get("BUILD_REPOSITORY_NAME"),
        ref=environ.get("BUILD_SOURCEBRANCH"),
        job=environ.get("SYSTEM_JOBDISPLAYNAME"),
        pipeline=environ.get("BUILD_DEFINITIONNAME"),
    )


def _bitbucket_pipelines(environ: "Mapping[str, str]") -> dict | None:
    build_number = environ.get("BITBUCKET_BUILD_NUMBER")
    if not build_number:
        return None
    repository = environ.get("BITBUCKET_REPO_FULL_NAME")
    run_url = None
    if repository:
        run_url = f"https://bitbucket.org/{repository}/pipelines/results/{build_number}"
    return _ci(
        "bitbucket-pipelines",
        environ.get("BITBUCKET_STEP_TRIGGERER_UUID"),
        run_url,
        repository=repository,
        ref=environ.get("BITBUCKET_BRANCH") or environ.get("BITBUCKET_TAG"),
    )


def _travis_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("TRAVIS") != "true":
        return None
    return _ci(
        "travis-ci",
        None,
        environ.get("TRAVIS_JOB_WEB_URL") or environ.get("TRAVIS_BUILD_WEB_URL"),
        repository=environ.get("TRAVIS_REPO_SLUG"),
        ref=environ.get("TRAVIS_BRANCH"),
        job=environ.get("TRAVIS_JOB_NAME"),
    )


def _aws_codebuild(environ: "Mapping[str, str]") -> dict | None:
    if not environ.get("CODEBUILD_BUILD_ID"):
        return None
    return _ci(
        "aws-codebuild",
        environ.get("CODEBUILD_INITIATOR"),
        environ.get("CODEBUILD_PUBLIC_BUILD_URL"),
        build_id=environ.get("CODEBUILD_BUILD_ID"),
        ref=environ.get("CODEBUILD_WEBHOOK_HEAD_REF") or environ.get("CODEBUILD_SOURCE_VERSION"),
    )


def _generic_ci(environ: "Mapping[str, str]") -> dict | None:
    if environ.get("CI", "").lower() not in ("true", "1", "yes"):
        return None
    return _ci("generic", None, None)


_CI_DETECTORS = (
    _github_actions,
    _gitlab_ci,
    _jenkins,
    _circleci,
    _buildkite,
    _azure_pipelines,
    _bitbucket_pipelines,
    _travis_ci,
    _aws_codebuild,
    _generic_ci,
)

_URL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _quote_path_segment(segment: str) -> str:
    """Percent-encode one URL path segment (Azure DevOps project names may hold spaces)."""
    return "".join(
        char if char in _URL_SAFE else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in segment
    )
