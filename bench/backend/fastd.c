/*
 * fastd: the data-path benchmark's backend. A fixed small HTTP/1.1 response to every request,
 * keep-alive, so that what wrk measures is the network path (bridge, iptables DNAT, conntrack,
 * docker-proxy) and not the server: busybox httpd forks a process per request.
 *
 *   fastd [PORT [THREADS [NAME]]]     (defaults 8080, 1, and "fastd")
 *
 * The body is "hello from NAME\n": bench/endpoint-move tells two backends apart by it.
 *
 * Each thread has its own listening socket on the port (SO_REUSEPORT: the kernel spreads new
 * connections over them) and its own epoll loop, so threads share nothing. A request is whatever
 * ends in an empty line ("\r\n\r\n"); bodies are not expected (GET). Pipelined requests get one
 * response each. A request saying "Connection: close" (probes, curl -H) gets its response and the
 * connection closed. Built static (gcc -static -O2) into an image that holds only this binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_RESPONSE 256
/* built once in main from NAME, read-only afterwards */
static char RESPONSE[MAX_RESPONSE];
static size_t RESPONSE_LEN;
#define MAX_FDS 65536
#define MAX_PIPELINED 64

static int port = 8080;
/* per fd: how many bytes of "\r\n\r\n" the previous read ended with (a request split across reads) */
static unsigned char matched[MAX_FDS];

static int listener(void) {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0); /* dual-stack: IPv4 too */
  int one = 1, zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0) {
    perror("fastd: listen");
    exit(1);
  }
  return fd;
}

/* Counts the requests completed in buf (continuing the fd's partial match), and whether one of
 * them asked for the connection to be closed. */
static int requests(int fd, char *buf, size_t n, int *close_after) {
  static const char END[] = "\r\n\r\n";
  int count = 0, m = matched[fd];
  for (size_t i = 0; i < n; i++) {
    m = buf[i] == END[m] ? m + 1 : (buf[i] == '\r' ? 1 : 0);
    if (m == 4) count++, m = 0;
  }
  matched[fd] = (unsigned char)m;
  buf[n] = '\0';
  *close_after = strcasestr(buf, "\nconnection: close") != NULL;
  return count;
}

static void *serve(void *arg) {
  (void)arg;
  int lfd = listener(), ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  static __thread char buf[16384 + 1];
  static __thread char out[MAX_RESPONSE * MAX_PIPELINED];
  for (int i = 0; i < MAX_PIPELINED; i++) memcpy(out + i * RESPONSE_LEN, RESPONSE, RESPONSE_LEN);
  for (;;) {
    int k = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < k; i++) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (c >= MAX_FDS) { close(c); continue; }
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          matched[c] = 0;
          struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      ssize_t n = read(fd, buf, sizeof buf - 1);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      int close_after = 0, count = n > 0 ? requests(fd, buf, (size_t)n, &close_after) : 0;
      if (count > MAX_PIPELINED) count = MAX_PIPELINED;
      /* a short write of a few hundred bytes into an empty socket buffer does not happen here;
       * if it did, the client would see a truncated response and the benchmark an error */
      if (count > 0 && write(fd, out, RESPONSE_LEN * count) < 0) close_after = 1;
      if (n <= 0 || close_after) close(fd); /* close also removes fd from the epoll set */
    }
  }
  return NULL;
}

static void stop(int sig) {
  (void)sig;
  _exit(0); /* as PID 1 of a container, SIGTERM would otherwise be ignored until SIGKILL */
}

int main(int argc, char **argv) {
  if (argc > 1) port = atoi(argv[1]);
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  const char *name = argc > 3 ? argv[3] : "fastd";
  if (port <= 0 || port > 65535 || threads < 1 || threads > 64 || strlen(name) > 64) {
    fprintf(stderr, "usage: fastd [PORT [THREADS [NAME]]]  (NAME at most 64 bytes)\n");
    return 2;
  }
  int body = (int)strlen("hello from \n") + (int)strlen(name);
  RESPONSE_LEN = (size_t)snprintf(RESPONSE, sizeof RESPONSE,
                                  "HTTP/1.1 200 OK\r\nServer: fastd\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\nhello from %s\n",
                                  body, name);
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGPIPE, SIG_IGN);
  fprintf(stderr, "fastd: listening on :%d with %d thread(s)\n", port, threads);
  pthread_t t;
  for (int i = 1; i < threads; i++) pthread_create(&t, NULL, serve, NULL);
  serve(NULL);
  return 0;
}
