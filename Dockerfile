# newsbot serve in a container. The steps are the README's install commands.
# (No image can be pulled on the machines this project is developed on, so this
# build has not been run here; see the README.)
FROM python:3.11-slim
WORKDIR /app
COPY . /app
RUN python3 -m venv .venv && .venv/bin/pip install -q -e .
# The database lives on a volume; Slack/Discord settings come from the environment
# (docker run --env-file .env ...).
ENV NEWSBOT_DB=/data/newsbot.db NEWSBOT_HOST=0.0.0.0 NEWSBOT_PORT=3000
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"
CMD [".venv/bin/newsbot", "serve"]
