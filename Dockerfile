# dicom-conformance in a container: validates a mounted folder.
#   docker build -t dicom-conformance .
#   docker run --rm -v "$PWD/study:/data:ro" dicom-conformance            # validate /data
#   docker run --rm -v "$PWD/study:/data:ro" dicom-conformance validate /data --format json
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN python -m pip install --no-cache-dir build \
 && python -m build --wheel --outdir /wheels .

FROM python:3.11-slim
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-cache-dir /wheels/*.whl \
 && useradd --create-home --uid 10001 conformance
USER conformance
WORKDIR /data
ENTRYPOINT ["conformance"]
CMD ["validate", "--no-progress", "/data"]
