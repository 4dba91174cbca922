# 市场监管企业信用信息数据仓库 — the Airflow 3 image: the official apache/airflow image (Python 3.11) with this
# project installed from uv.lock. Used by docker-compose.yml; see docs/airflow.md.
#
#   docker compose build            (or: docker build -t credit-warehouse-airflow .)
ARG AIRFLOW_IMAGE=apache/airflow:slim-3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

ARG UV_VERSION=0.13.8
ENV CWH_HOME=/opt/cwh \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/creditwh/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

USER root
# The workspace, its volume mount points and the config folder (generated UI passwords) belong to the airflow user,
# so named volumes start with that ownership.
RUN mkdir -p /opt/creditwh /opt/cwh/feeds /opt/cwh/warehouse /opt/cwh/publication /opt/airflow/config \
 && chown -R airflow:0 /opt/creditwh /opt/cwh /opt/airflow/config
USER airflow
WORKDIR /opt/creditwh

# 1. The locked dependency set (its own layer: rebuilt only when the lock changes). apache-airflow in the lock is
#    the image's own version; --no-deps installs exactly the locked versions, without re-resolving.
COPY --chown=airflow:0 pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
 && uv export --frozen --no-dev --no-emit-project --no-hashes --extra docker -o requirements.lock.txt \
 && pip install --no-cache-dir --no-deps -r requirements.lock.txt \
 && rm requirements.lock.txt

# 2. The project itself, editable: dbt_project/ and the contracts are read from this folder at run time.
COPY --chown=airflow:0 . .
RUN pip install --no-cache-dir --no-deps -e . \
 && python -m compileall -q ground contracts ingestion warehouse quality_gate publication interception feedgen creditwh dags \
 && airflow version && cwh --help > /dev/null
