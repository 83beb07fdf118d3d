namespace Tidegate.TestKit.Images;

/// <summary>The build context of the test images: scripts run by Debian's static busybox in a scratch image.</summary>
internal static class TestImageSources
{
    public const string Dockerfile = """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/app"]
        COPY web.sh handle.sh worker.sh /app/
        RUN ["/bin/busybox", "chmod", "755", "/app/web.sh", "/app/handle.sh", "/app/worker.sh"]
        ARG VERSION=1.0.0
        ENV VERSION=$VERSION PORT=8080
        EXPOSE 8080
        HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-8080}/health" || exit 1
        ENTRYPOINT ["/app/web.sh"]

        """;

    public const string WorkerDockerfile = """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/app"]
        COPY worker.sh /app/
        RUN ["/bin/busybox", "chmod", "755", "/app/worker.sh"]
        ARG VERSION=1.0.0
        ENV VERSION=$VERSION
        ENTRYPOINT ["/app/worker.sh"]

        """;

    // PID 1 ignores SIGTERM unless it traps it, so both entrypoints trap and stop their child at once.
    public const string WebScript = """
        #!/bin/sh
        if [ "$CRASH" = "1" ]; then echo "web $VERSION: CRASH=1, exiting" >&2; exit 3; fi
        if [ -n "$START_DELAY" ] && [ "$START_DELAY" != "0" ]; then
          echo "web $VERSION: waiting ${START_DELAY}s before listening"
          sleep "$START_DELAY"
        fi
        trap 'echo "web $VERSION: stopping"; kill $server 2>/dev/null; exit 0' TERM INT
        echo "web $VERSION: listening on ${PORT:-8080}"
        nc -ll -p "${PORT:-8080}" -e /app/handle.sh &
        server=$!
        wait $server

        """;

    // One process per connection (nc -ll -e). /health is 500 when HEALTH_FAIL=1 or /tmp/unhealthy exists,
    // so a test can also turn a running container unhealthy with `touch /tmp/unhealthy`.
    public const string HandlerScript = """
        #!/bin/sh
        read -r method target protocol
        while read -r header; do
          header=$(printf '%s' "$header" | tr -d '\r')
          [ -z "$header" ] && break
        done
        path=${target%%\?*}
        case "$path" in
          /|/version) status="200 OK"; body="$VERSION" ;;
          /health)
            if [ "$HEALTH_FAIL" = "1" ] || [ -e /tmp/unhealthy ]; then status="500 Internal Server Error"; body="unhealthy"
            else status="200 OK"; body="healthy"; fi ;;
          *) status="404 Not Found"; body="not found" ;;
        esac
        echo "$method $path -> ${status%% *}" >&2
        printf 'HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s\n' "$status" "$(( ${#body} + 1 ))" "$body"

        """;

    public const string WorkerScript = """
        #!/bin/sh
        trap 'echo "worker $VERSION: stopping"; exit 0' TERM INT
        echo "worker $VERSION: started"
        i=0
        while true; do
          i=$((i + 1))
          echo "worker $VERSION: tick $i"
          sleep 1 &
          wait $!
        done

        """;
}
