// The kernel's floor on this machine, for the rooms and broadcast scenarios: what the same deliveries cost with
// nothing but C and system calls. One process (the "server") writes 100-byte frames to its end of N loopback TCP
// connections, `per` connections per publish and `rate` publishes per second, round robin, sleeping between
// publishes; another process (the "clients") reads them with one level-triggered epoll loop. No protocol, no
// parsing, no HTTP publishing: a server and generator could only add to these figures. Each frame carries the time
// it was meant to be sent, so latency counts from there, as in tools/Outcry.Bench.
//
//   floor SCENARIO SETUP CLIENTS PER RATE SECONDS
// prints one JSON line in the benchmark's results format (target "floor"), with the scenario's name and setup as
// tools/Outcry.Bench wrote them for the servers, so that the report puts it beside them.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FRAME 100

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static double cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_sec * 1e6 + r.ru_stime.tv_usec;
}

static int by_value(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

// The clients: connect, report ready, read every frame, print the latencies (ms) on the pipe.
static void clients(struct sockaddr_in *server, int n, long total, int ready, int report) {
  int ep = epoll_create1(0), one = 1;
  for (int i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)server, sizeof *server) != 0) die("client connect");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event e = {.events = EPOLLIN, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
  }
  if (write(ready, "r", 1) != 1) die("ready");
  long *latency = malloc(total * sizeof(long)), got = 0;
  char buf[16384];
  struct epoll_event events[256];
  double cpu = cpu_us();
  while (got < total) {
    int k = epoll_wait(ep, events, 256, -1);
    for (int j = 0; j < k; j++) {
      ssize_t r = recv(events[j].data.fd, buf, sizeof buf, 0);
      long at = now_ns();
      for (ssize_t o = 0; o + FRAME <= r && got < total; o += FRAME) {
        long sent;
        memcpy(&sent, buf + o, sizeof sent);
        latency[got++] = at - sent;
      }
    }
  }
  cpu = cpu_us() - cpu;
  qsort(latency, got, sizeof(long), by_value);
  dprintf(report, "%.3f %.3f %.3f %.3f %.2f\n", latency[got / 2] / 1e6, latency[got * 99 / 100] / 1e6,
          latency[got * 999 / 1000] / 1e6, latency[got - 1] / 1e6, cpu / got);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: floor SCENARIO SETUP CLIENTS PER RATE SECONDS\n");
    return 2;
  }
  const char *scenario = argv[1], *setup = argv[2];
  int n = atoi(argv[3]), per = atoi(argv[4]), one = 1;
  double rate = atof(argv[5]), seconds = atof(argv[6]);
  long publishes = (long)(rate * seconds), total = publishes * per;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in server = {.sin_family = AF_INET};
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  socklen_t length = sizeof server;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, (struct sockaddr *)&server, sizeof server) != 0 || listen(listener, 4096) != 0) die("listen");
  getsockname(listener, (struct sockaddr *)&server, &length);
  int ready[2], report[2];
  if (pipe(ready) != 0 || pipe(report) != 0) die("pipe");
  pid_t child = fork();
  if (child == 0) {
    clients(&server, n, total, ready[1], report[1]);
    return 0;
  }

  int *conns = malloc(n * sizeof(int));
  for (int i = 0; i < n; i++) {
    if ((conns[i] = accept(listener, NULL, NULL)) < 0) die("accept");
    setsockopt(conns[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  char byte, frame[FRAME];
  if (read(ready[0], &byte, 1) != 1) die("clients");
  memset(frame, 'x', sizeof frame);
  double cpu = cpu_us();
  long start = now_ns(), last = start;
  for (long p = 0, next = 0; p < publishes; p++) {
    long due = start + (long)(p * 1e9 / rate), wait;
    while ((wait = due - now_ns()) > 0) {
      struct timespec t = {wait / 1000000000L, wait % 1000000000L};
      nanosleep(&t, NULL);
    }
    memcpy(frame, &due, sizeof due);
    for (int j = 0; j < per; j++, next = (next + 1) % n) {
      if (send(conns[next], frame, FRAME, 0) != FRAME) die("send");
    }
    last = now_ns();
  }
  cpu = cpu_us() - cpu;
  double elapsed = (last - start) / 1e9 > seconds ? (last - start) / 1e9 : seconds, p50, p99, p999, max, client_cpu;
  FILE *answer = fdopen(report[0], "r");
  if (fscanf(answer, "%lf %lf %lf %lf %lf", &p50, &p99, &p999, &max, &client_cpu) != 5) die("report");
  waitpid(child, NULL, 0);
  printf("{\"scenario\":\"%s\",\"target\":\"floor\",\"setup\":\"%s\",\"complete\":true,\"problems\":[],\"figures\":{"
         "\"connections\":%d,\"publishes/s\":%.2f,\"deliveries/s\":%.2f,\"server \\u00B5s/delivery\":%.2f,\"p50 ms\":%.3f,\"p99 ms\":%.3f,"
         "\"p99.9 ms\":%.3f,\"max ms\":%.3f,\"client \\u00B5s/delivery\":%.2f}}\n",
         scenario, setup, n, publishes / elapsed, total / elapsed,
         cpu / total, p50, p99, p999, max, client_cpu);
  return 0;
}
