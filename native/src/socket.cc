// Sockets driven by a uv poll: VRRP raw IPv4/IPv6, AF_PACKET, unix datagram, ICMP echo (ping), and the
// checkers' UDP/TCP sockets (marked and bound to a device before they connect).
//
// Reading is event-driven: when the fd is readable the poll callback drains up to a batch of
// messages with recvmsg into a JS-owned receive Buffer, writes the per-message metadata
// (addresses, ifindex, TTL/hop limit) into a JS-owned meta Buffer at fixed offsets, and calls the
// JS callback with the length (or -errno). Sending builds the sockaddr and control messages on the
// stack from caller Buffers, so neither side allocates on the hot path.
#include "common.h"
#include <uv.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cstddef>
#include <memory>

namespace tska {

enum Kind {
  kVrrp4 = 1, kVrrp6 = 2, kPacket = 3, kUnix = 4,
  // Unprivileged ICMP echo sockets (the kernel fills id and checksum and only delivers our replies).
  kPing4 = 5, kPing6 = 6,
  // Plain UDP and TCP sockets for health checkers (options set before connect, see Connect/WatchConnect).
  kUdp4 = 7, kUdp6 = 8, kTcp4 = 9, kTcp6 = 10,
};

// Meta buffer layout (little-endian), shared with src/sys/native.ts.
enum MetaOffset {
  kMetaLength = 0,     // u32 bytes received (capped to the receive buffer)
  kMetaFullLength = 4, // u32 real datagram length (larger when truncated)
  kMetaIfindex = 8,    // i32 receiving ifindex, 0 unknown
  kMetaTtl = 12,       // i32 TTL / hop limit from ancillary data, -1 unknown
  kMetaTclass = 16,    // i32 IPv6 traffic class, -1 unknown
  kMetaSrcFamily = 20, // u8 4, 6, or 17 (AF_PACKET: src holds the MAC), 0 none
  kMetaDstFamily = 21, // u8 4, 6 or 0
  kMetaPktType = 22,   // u8 AF_PACKET sll_pkttype
  kMetaFlags = 23,     // u8 bit 0: truncated
  kMetaProtocol = 24,  // u32 AF_PACKET ethertype (host order)
  kMetaSrc = 28,       // 16 bytes source address (or MAC)
  kMetaDst = 44,       // 16 bytes destination address
  kMetaErrOrigin = 60, // u8 error-queue entry (flags bit 1): SO_EE_ORIGIN_*; src holds the offender
  kMetaErrType = 61,   // u8 its ICMP type
  kMetaErrCode = 62,   // u8 its ICMP code
  kMetaSize = 64,
};

static void Put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

class Socket : public Napi::ObjectWrap<Socket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSocket", {
      InstanceMethod<&Socket::GetFd>("fd"),
      InstanceMethod<&Socket::BindDevice>("bindDevice"),
      InstanceMethod<&Socket::BindAddress>("bindAddress"),
      InstanceMethod<&Socket::BindUnix>("bindUnix"),
      InstanceMethod<&Socket::SetMembership>("setMembership"),
      InstanceMethod<&Socket::SetMulticastInterface>("setMulticastInterface"),
      InstanceMethod<&Socket::SetIntOption>("setIntOption"),
      InstanceMethod<&Socket::GetIntOption>("getIntOption"),
      InstanceMethod<&Socket::SetFilterIfindex>("setFilterIfindex"),
      InstanceMethod<&Socket::StartReading>("startReading"),
      InstanceMethod<&Socket::StopReading>("stopReading"),
      InstanceMethod<&Socket::Send>("send"),
      InstanceMethod<&Socket::Connect>("connect"),
      InstanceMethod<&Socket::WatchConnect>("watchConnect"),
      InstanceMethod<&Socket::Detach>("detach"),
      InstanceMethod<&Socket::Close>("close"),
      InstanceMethod<&Socket::RefLoop>("ref"),
      InstanceMethod<&Socket::UnrefLoop>("unref"),
    });
  }

  // new NativeSocket(kind, protocol, ifindex)
  //   kVrrp4/kVrrp6: raw socket for IP protocol `protocol` (112 for VRRP), keepalived's defaults set.
  //   kPacket: AF_PACKET SOCK_RAW bound to `ifindex`, receiving ethertype `protocol` (0: none).
  //   kUnix: AF_UNIX SOCK_DGRAM, unbound.
  //   kPing4/kPing6: SOCK_DGRAM IPPROTO_ICMP/ICMPV6 (allowed when a group of ours is in
  //     net.ipv4.ping_group_range; EACCES otherwise). Echo requests go out with send(), replies come to
  //     startReading() as ICMP messages without the IP header.
  //   kUdp4/kUdp6, kTcp4/kTcp6: plain sockets for checkers; set SO_MARK / SO_BINDTODEVICE and bind
  //     before connect(). `protocol` and `ifindex` are ignored.
  explicit Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      ThrowType(env, "NativeSocket(kind, protocol, ifindex) expects three numbers");
      return;
    }
    kind_ = info[0].As<Napi::Number>().Int32Value();
    int proto = info[1].As<Napi::Number>().Int32Value();
    int ifindex = info[2].As<Napi::Number>().Int32Value();
    const int flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
    switch (kind_) {
      case kVrrp4: fd_ = socket(AF_INET, SOCK_RAW | flags, proto); break;
      case kVrrp6: fd_ = socket(AF_INET6, SOCK_RAW | flags, proto); break;
      case kPacket: fd_ = socket(AF_PACKET, SOCK_RAW | flags, htons(static_cast<uint16_t>(proto))); break;
      case kUnix: fd_ = socket(AF_UNIX, SOCK_DGRAM | flags, 0); break;
      case kPing4: fd_ = socket(AF_INET, SOCK_DGRAM | flags, IPPROTO_ICMP); break;
      case kPing6: fd_ = socket(AF_INET6, SOCK_DGRAM | flags, IPPROTO_ICMPV6); break;
      case kUdp4: fd_ = socket(AF_INET, SOCK_DGRAM | flags, IPPROTO_UDP); break;
      case kUdp6: fd_ = socket(AF_INET6, SOCK_DGRAM | flags, IPPROTO_UDP); break;
      case kTcp4: fd_ = socket(AF_INET, SOCK_STREAM | flags, IPPROTO_TCP); break;
      case kTcp6: fd_ = socket(AF_INET6, SOCK_STREAM | flags, IPPROTO_TCP); break;
      default: ThrowType(env, "unknown socket kind"); return;
    }
    if (fd_ < 0) {
      ThrowErrno(env, errno, "socket");
      return;
    }
    struct Opt { int level, name, value; };
    // keepalived: TOS/traffic class 0xc0, TTL/hop limit 255, no multicast loop; ask for pktinfo + TTL.
    static const Opt v4[] = {
      {IPPROTO_IP, IP_PKTINFO, 1}, {IPPROTO_IP, IP_RECVTTL, 1}, {IPPROTO_IP, IP_TOS, 0xc0},
      {IPPROTO_IP, IP_TTL, 255}, {IPPROTO_IP, IP_MULTICAST_TTL, 255}, {IPPROTO_IP, IP_MULTICAST_LOOP, 0},
    };
    static const Opt v6[] = {
      {IPPROTO_IPV6, IPV6_RECVPKTINFO, 1}, {IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1},
      {IPPROTO_IPV6, IPV6_RECVTCLASS, 1}, {IPPROTO_IPV6, IPV6_TCLASS, 0xc0},
      {IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255}, {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255},
      {IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0},
    };
    int err = 0;
    const char* call = "setsockopt";
    if (kind_ == kVrrp4) {
      for (const Opt& o : v4) if (err == 0) err = SetInt(o.level, o.name, o.value);
    } else if (kind_ == kVrrp6) {
      for (const Opt& o : v6) if (err == 0) err = SetInt(o.level, o.name, o.value);
    } else if (kind_ == kPacket) {
      struct sockaddr_ll sll {};
      sll.sll_family = AF_PACKET;
      sll.sll_protocol = htons(static_cast<uint16_t>(proto));
      sll.sll_ifindex = ifindex;
      ifindex_ = ifindex;
      call = "bind";
      if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) err = errno;
    }
    if (err != 0) {
      ::close(fd_);
      fd_ = -1;
      ThrowErrno(env, err, call);
      return;
    }
  }

  ~Socket() override { DoClose(); }

 private:
  int SetInt(int level, int name, int value) {
    return setsockopt(fd_, level, name, &value, sizeof(value)) == 0 ? 0 : errno;
  }

  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0) return true;
    ThrowErrno(env, EBADF, "socket closed");
    return false;
  }

  bool IsIp() const { return kind_ == kVrrp4 || kind_ == kVrrp6 || (kind_ >= kPing4 && kind_ <= kTcp6); }
  bool IsCheckerUdp() const { return kind_ == kUdp4 || kind_ == kUdp6; }
  bool IsV4() const { return kind_ == kVrrp4 || kind_ == kPing4 || kind_ == kUdp4 || kind_ == kTcp4; }
  size_t AddrLen() const { return IsV4() ? 4 : 16; }

  // Fills a sockaddr_in/in6 for this socket's family. Returns its length.
  socklen_t FillIp(const uint8_t* a, uint16_t port, uint32_t scope, sockaddr_storage* ss) const {
    std::memset(ss, 0, sizeof(*ss));
    if (IsV4()) {
      sockaddr_in* sin = reinterpret_cast<sockaddr_in*>(ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      std::memcpy(&sin->sin_addr, a, 4);
      return sizeof(sockaddr_in);
    }
    sockaddr_in6* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, a, 16);
    sin6->sin6_scope_id = scope;
    return sizeof(sockaddr_in6);
  }

  Napi::Value GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  // bindDevice(name): SO_BINDTODEVICE; "" removes the binding.
  Napi::Value BindDevice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      ThrowType(env, "interface name expected");
      return env.Undefined();
    }
    if (!CheckOpen(env)) return env.Undefined();
    std::string name = info[0].As<Napi::String>().Utf8Value();
    if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), static_cast<socklen_t>(name.size())) != 0) {
      ThrowErrno(env, errno, "setsockopt");
    }
    return env.Undefined();
  }

  // bindAddress(addr: Buffer(4|16), scopeIfindex[, port]): bind an IP socket to a local address (and port).
  Napi::Value BindAddress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!IsIp() || info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber() ||
        info[0].As<Napi::Buffer<uint8_t>>().Length() != AddrLen()) {
      ThrowType(env, "bindAddress(addr: Buffer of the socket's family, scopeIfindex) on an IP socket");
      return env.Undefined();
    }
    const uint8_t* a = info[0].As<Napi::Buffer<uint8_t>>().Data();
    uint16_t port = info.Length() >= 3 && info[2].IsNumber() ? static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value()) : 0;
    sockaddr_storage ss;
    socklen_t sl = FillIp(a, port, info[1].As<Napi::Number>().Uint32Value(), &ss);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), sl) != 0) ThrowErrno(env, errno, "bind");
    return env.Undefined();
  }

  // Fills a sockaddr_un from path bytes (a leading NUL byte means the abstract namespace).
  static bool FillUnix(const uint8_t* p, size_t n, sockaddr_un* sun, socklen_t* len) {
    if (n == 0 || n > sizeof(sun->sun_path)) return false;
    std::memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    std::memcpy(sun->sun_path, p, n);
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + (p[0] == 0 ? 0 : 1));
    return true;
  }

  // bindUnix(path: Buffer): bind a unix datagram socket (to receive).
  Napi::Value BindUnix(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    struct sockaddr_un sun;
    socklen_t len = 0;
    if (kind_ != kUnix || info.Length() < 1 || !info[0].IsBuffer() ||
        !FillUnix(info[0].As<Napi::Buffer<uint8_t>>().Data(), info[0].As<Napi::Buffer<uint8_t>>().Length(), &sun, &len)) {
      ThrowType(env, "bindUnix(path: Buffer of 1..107 bytes) on a unix socket");
      return env.Undefined();
    }
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sun), len) != 0) ThrowErrno(env, errno, "bind");
    return env.Undefined();
  }

  // setMembership(group: Buffer(4|16), ifindex, join): IP_ADD/DROP_MEMBERSHIP, IPV6_ADD/DROP_MEMBERSHIP.
  Napi::Value SetMembership(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!IsIp() || info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsNumber() || !info[2].IsBoolean() ||
        info[0].As<Napi::Buffer<uint8_t>>().Length() != AddrLen()) {
      ThrowType(env, "setMembership(group: Buffer of the socket's family, ifindex, join) on an IP socket");
      return env.Undefined();
    }
    const uint8_t* g = info[0].As<Napi::Buffer<uint8_t>>().Data();
    int ifindex = info[1].As<Napi::Number>().Int32Value();
    bool join = info[2].As<Napi::Boolean>().Value();
    int rc;
    if (IsV4()) {
      struct ip_mreqn m {};
      std::memcpy(&m.imr_multiaddr, g, 4);
      m.imr_ifindex = ifindex;
      rc = setsockopt(fd_, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof(m));
    } else {
      struct ipv6_mreq m {};
      std::memcpy(&m.ipv6mr_multiaddr, g, 16);
      m.ipv6mr_interface = static_cast<unsigned>(ifindex);
      rc = setsockopt(fd_, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &m, sizeof(m));
    }
    if (rc != 0) ThrowErrno(env, errno, "setsockopt");
    return env.Undefined();
  }

  // setMulticastInterface(ifindex): IP_MULTICAST_IF (ip_mreqn) / IPV6_MULTICAST_IF.
  Napi::Value SetMulticastInterface(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!IsIp() || info.Length() < 1 || !info[0].IsNumber()) {
      ThrowType(env, "setMulticastInterface(ifindex) on an IP socket");
      return env.Undefined();
    }
    int ifindex = info[0].As<Napi::Number>().Int32Value();
    int rc;
    if (IsV4()) {
      struct ip_mreqn m {};
      m.imr_ifindex = ifindex;
      rc = setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m));
    } else {
      rc = setsockopt(fd_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
    }
    if (rc != 0) ThrowErrno(env, errno, "setsockopt");
    return env.Undefined();
  }

  // setIntOption(level, name, value) / getIntOption(level, name): int-valued socket options.
  Napi::Value SetIntOption(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      ThrowType(env, "setIntOption(level, name, value) expects three numbers");
      return env.Undefined();
    }
    int err = SetInt(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                     info[2].As<Napi::Number>().Int32Value());
    if (err != 0) ThrowErrno(env, err, "setsockopt");
    return env.Undefined();
  }

  Napi::Value GetIntOption(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
      ThrowType(env, "getIntOption(level, name) expects two numbers");
      return env.Undefined();
    }
    int v = 0;
    socklen_t len = sizeof(v);
    if (getsockopt(fd_, info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &v, &len) != 0) {
      ThrowErrno(env, errno, "getsockopt");
      return env.Undefined();
    }
    return Napi::Number::New(env, v);
  }

  // setFilterIfindex(ifindex): drop received messages from other interfaces before JS sees them (0: off).
  Napi::Value SetFilterIfindex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      ThrowType(env, "ifindex number expected");
      return env.Undefined();
    }
    filter_ifindex_ = info[0].As<Napi::Number>().Int32Value();
    return env.Undefined();
  }

  // startReading(recvBuf: Buffer, metaBuf: Buffer(>=64), onMessage(status)): start the uv poll.
  Napi::Value StartReading(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsBuffer() || !info[2].IsFunction() ||
        info[1].As<Napi::Buffer<uint8_t>>().Length() < kMetaSize || info[0].As<Napi::Buffer<uint8_t>>().Length() == 0) {
      ThrowType(env, "startReading(recvBuf: Buffer, metaBuf: Buffer of >= 64 bytes, onMessage: Function)");
      return env.Undefined();
    }
    if (connecting_) {
      ThrowType(env, "startReading while a connect is watched");
      return env.Undefined();
    }
    if (!EnsurePoll(env)) return env.Undefined();
    Napi::Buffer<uint8_t> rb = info[0].As<Napi::Buffer<uint8_t>>();
    Napi::Buffer<uint8_t> mb = info[1].As<Napi::Buffer<uint8_t>>();
    rbuf_ = rb.Data();
    rlen_ = rb.Length();
    mbuf_ = mb.Data();
    recv_ref_ = Napi::Persistent(rb.As<Napi::Object>());
    meta_ref_ = Napi::Persistent(mb.As<Napi::Object>());
    callback_ = Napi::Persistent(info[2].As<Napi::Function>());
    int rc = uv_poll_start(poll_, UV_READABLE, OnPoll);
    if (rc != 0) {
      ThrowErrno(env, -rc, "uv_poll_start");
      return env.Undefined();
    }
    if (!reading_) {
      reading_ = true;
      Ref();  // keep the JS object alive while the kernel may call us back
    }
    return env.Undefined();
  }

  // Stops reading or watching a connect. uvStop false: the caller closes the poll handle at once
  // (uv_close stops it too; each uv_poll_stop costs an epoll_ctl).
  void StopPoll(bool uvStop = true) {
    if (uvStop && poll_ != nullptr) uv_poll_stop(poll_);
    if (reading_) {
      reading_ = false;
      Unref();
    }
    if (connecting_) {
      connecting_ = false;
      connect_cb_.Reset();
      Unref();
    }
  }

  // Creates the uv poll on first use. Returns false (with a JS exception pending) on failure.
  bool EnsurePoll(Napi::Env env) {
    if (poll_ != nullptr) return true;
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      Napi::Error::New(env, "no uv loop").ThrowAsJavaScriptException();
      return false;
    }
    poll_ = new uv_poll_t;
    int rc = uv_poll_init(loop, poll_, fd_);
    if (rc != 0) {
      delete poll_;
      poll_ = nullptr;
      ThrowErrno(env, -rc, "uv_poll_init");
      return false;
    }
    poll_->data = this;
    if (!loop_ref_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    if (!ctx_) ctx_ = std::make_unique<Napi::AsyncContext>(env, "tskeepalived:NativeSocket", Value());
    return true;
  }

  // connect(addr: Buffer(4|16), port, scopeIfindex): non-blocking connect of an IP socket.
  // Returns 0, or -errno (-EINPROGRESS while a TCP handshake is under way); throws only for bad arguments.
  Napi::Value Connect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!IsIp() || info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsNumber() || !info[2].IsNumber() ||
        info[0].As<Napi::Buffer<uint8_t>>().Length() != AddrLen()) {
      ThrowType(env, "connect(addr: Buffer of the socket's family, port, scopeIfindex) on an IP socket");
      return env.Undefined();
    }
    sockaddr_storage ss;
    socklen_t sl = FillIp(info[0].As<Napi::Buffer<uint8_t>>().Data(),
                          static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value()),
                          info[2].As<Napi::Number>().Uint32Value(), &ss);
    int rc;
    do {
      rc = connect(fd_, reinterpret_cast<sockaddr*>(&ss), sl);
    } while (rc != 0 && errno == EINTR);
    return Napi::Number::New(env, rc == 0 ? 0 : -errno);
  }

  // watchConnect(onDone(status)): polls for writability once; onDone gets 0 when the connection is
  // established or -errno (SO_ERROR, e.g. -ECONNREFUSED). Not while reading.
  Napi::Value WatchConnect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsFunction() || reading_) {
      ThrowType(env, "watchConnect(onDone: Function) on a socket that is not reading");
      return env.Undefined();
    }
    if (!EnsurePoll(env)) return env.Undefined();
    connect_cb_ = Napi::Persistent(info[0].As<Napi::Function>());
    int rc = uv_poll_start(poll_, UV_WRITABLE, OnPoll);
    if (rc != 0) {
      connect_cb_.Reset();
      ThrowErrno(env, -rc, "uv_poll_start");
      return env.Undefined();
    }
    if (!connecting_) {
      connecting_ = true;
      Ref();
    }
    return env.Undefined();
  }

  void FinishConnect(int status) {
    // libuv reports POLLERR as UV_EBADF: the socket's own error (SO_ERROR) says what really happened.
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0 && status < 0) err = -status;
    Napi::Env env = Env();
    Napi::FunctionReference cb = std::move(connect_cb_);
    uv_poll_stop(poll_);
    connecting_ = false;
    cb.MakeCallback(Value(), {Napi::Number::New(env, -err)}, *ctx_);
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
    }
    Unref();  // after the callback: the object may be collected once JS drops it
  }

  // detach(): stops polling and gives up the fd without closing it (for net.Socket({ fd })). Returns the fd.
  Napi::Value Detach(const Napi::CallbackInfo& info) {
    StopPoll();
    int fd = fd_;
    if (poll_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    fd_ = -1;
    callback_.Reset();
    recv_ref_.Reset();
    meta_ref_.Reset();
    return Napi::Number::New(info.Env(), fd);
  }

  Napi::Value StopReading(const Napi::CallbackInfo& info) {
    StopPoll();
    return info.Env().Undefined();
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    Socket* self = static_cast<Socket*>(handle->data);
    Napi::HandleScope scope(self->Env());
    if (self->connecting_) {
      self->FinishConnect(status);
      return;
    }
    if (status < 0) {
      // libuv reports POLLERR as UV_EBADF and stops the poll. A checker UDP socket reports what the
      // socket's error really is (ICMP error queue, SO_ERROR) and goes on reading.
      if (self->IsCheckerUdp() && self->DeliverSocketErrors(0)) {
        if (self->fd_ >= 0 && self->reading_) {
          int rc = uv_poll_start(self->poll_, UV_READABLE, OnPoll);
          if (rc != 0 && self->Deliver(rc)) self->StopPoll();
        }
        return;
      }
      // A failing poll would fire again at once: report once and stop.
      if (self->Deliver(status)) self->StopPoll();
      return;
    }
    self->Drain();
  }

  // Checker UDP sockets: one callback (status -errno) per error the socket holds. Entries of the
  // error queue (IP_RECVERR / IPV6_RECVERR set) come with the origin, ICMP type and code, and the
  // offender's address in the meta buffer (flags bit 1). Without one, `pending` (an error recvmsg
  // already took), else SO_ERROR, is reported without details. Returns false when there was none.
  bool DeliverSocketErrors(int pending) {
    alignas(cmsghdr) uint8_t control[512];
    bool any = false;
    for (int batch = 0; batch < 32 && fd_ >= 0 && reading_; batch++) {
      uint8_t body[64];
      struct iovec iov { body, sizeof(body) };
      struct msghdr msg {};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(fd_, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
              (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR))) continue;
        // The extended error, then the offender's sockaddr (SO_EE_OFFENDER), copied out for alignment.
        uint8_t data[sizeof(sock_extended_err) + sizeof(sockaddr_in6)] = {};
        size_t dl = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
        std::memcpy(data, CMSG_DATA(c), dl < sizeof(data) ? dl : sizeof(data));
        sock_extended_err ee;
        std::memcpy(&ee, data, sizeof(ee));
        uint8_t* m = mbuf_;
        std::memset(m, 0, kMetaSize);
        m[kMetaFlags] = 2;
        m[kMetaErrOrigin] = ee.ee_origin;
        m[kMetaErrType] = ee.ee_type;
        m[kMetaErrCode] = ee.ee_code;
        sa_family_t fam;
        std::memcpy(&fam, data + sizeof(ee), sizeof(fam));
        if (fam == AF_INET) {
          sockaddr_in sin;
          std::memcpy(&sin, data + sizeof(ee), sizeof(sin));
          m[kMetaSrcFamily] = 4;
          std::memcpy(m + kMetaSrc, &sin.sin_addr, 4);
        } else if (fam == AF_INET6) {
          sockaddr_in6 sin6;
          std::memcpy(&sin6, data + sizeof(ee), sizeof(sin6));
          m[kMetaSrcFamily] = 6;
          std::memcpy(m + kMetaSrc, &sin6.sin6_addr, 16);
        }
        any = true;
        if (!Deliver(-static_cast<int>(ee.ee_errno != 0 ? ee.ee_errno : EIO))) return true;
        break;
      }
    }
    if (any || fd_ < 0 || !reading_) return any;
    int err = pending;
    if (err == 0) {
      socklen_t len = sizeof(err);
      if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err == 0) return false;
    std::memset(mbuf_, 0, kMetaSize);
    Deliver(-err);
    return true;
  }

  // Calls the JS callback; an exception thrown there becomes an uncaught exception. Returns false
  // when reading should stop (exception, socket closed or stopped inside the callback).
  bool Deliver(int status) {
    Napi::Env env = Env();
    callback_.MakeCallback(Value(), {Napi::Number::New(env, status)}, *ctx_);
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
      return false;
    }
    return fd_ >= 0 && reading_;
  }

  void Drain() {
    alignas(cmsghdr) uint8_t control[256];
    for (int batch = 0; batch < 32 && fd_ >= 0 && reading_; batch++) {
      struct sockaddr_storage from {};
      struct iovec iov { rbuf_, rlen_ };
      struct msghdr msg {};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(fd_, &msg, MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (IsCheckerUdp()) {
          // The pending error recvmsg returned (ICMP on a connected socket): with its details if queued.
          DeliverSocketErrors(errno);
          return;
        }
        Deliver(-errno);
        return;
      }
      uint8_t* m = mbuf_;
      std::memset(m, 0, kMetaSize);
      size_t got = static_cast<size_t>(n) < rlen_ ? static_cast<size_t>(n) : rlen_;
      Put32(m + kMetaLength, static_cast<uint32_t>(got));
      Put32(m + kMetaFullLength, static_cast<uint32_t>(n));
      int32_t ifindex = 0, ttl = -1, tclass = -1;
      if (static_cast<size_t>(n) > rlen_ || (msg.msg_flags & MSG_TRUNC)) m[kMetaFlags] |= 1;
      if (from.ss_family == AF_INET) {
        m[kMetaSrcFamily] = 4;
        std::memcpy(m + kMetaSrc, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, 4);
      } else if (from.ss_family == AF_INET6) {
        m[kMetaSrcFamily] = 6;
        std::memcpy(m + kMetaSrc, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, 16);
      } else if (from.ss_family == AF_PACKET) {
        const sockaddr_ll* sll = reinterpret_cast<sockaddr_ll*>(&from);
        m[kMetaSrcFamily] = 17;
        ifindex = sll->sll_ifindex;
        m[kMetaPktType] = sll->sll_pkttype;
        Put32(m + kMetaProtocol, ntohs(sll->sll_protocol));
        std::memcpy(m + kMetaSrc, sll->sll_addr, sll->sll_halen <= 8 ? sll->sll_halen : 8);
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          in_pktinfo pi;
          std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
          ifindex = pi.ipi_ifindex;
          m[kMetaDstFamily] = 4;
          std::memcpy(m + kMetaDst, &pi.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
          std::memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo pi;
          std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
          ifindex = static_cast<int32_t>(pi.ipi6_ifindex);
          m[kMetaDstFamily] = 6;
          std::memcpy(m + kMetaDst, &pi.ipi6_addr, 16);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
          std::memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
          std::memcpy(&tclass, CMSG_DATA(c), sizeof(tclass));
        }
      }
      if (filter_ifindex_ != 0 && ifindex != filter_ifindex_) continue;
      Put32(m + kMetaIfindex, static_cast<uint32_t>(ifindex));
      Put32(m + kMetaTtl, static_cast<uint32_t>(ttl));
      Put32(m + kMetaTclass, static_cast<uint32_t>(tclass));
      if (!Deliver(static_cast<int>(got))) return;
    }
  }

  // send(data, length, dst: Buffer | null, ifindex, src: Buffer | null): bytes sent or -errno.
  //   IP: dst is the 4/16-byte address; ifindex and src go in IP_PKTINFO / IPV6_PKTINFO when set.
  //   packet: dst is ignored (the frame carries it); ifindex 0 means the bound interface.
  //   unix: dst is the path bytes (leading NUL for the abstract namespace).
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsBuffer() || !info[1].IsNumber() || !info[3].IsNumber()) {
      ThrowType(env, "send(data: Buffer, length, dst: Buffer | null, ifindex, src: Buffer | null)");
      return env.Undefined();
    }
    if (fd_ < 0) return Napi::Number::New(env, -EBADF);
    Napi::Buffer<uint8_t> data = info[0].As<Napi::Buffer<uint8_t>>();
    int64_t len64 = info[1].As<Napi::Number>().Int64Value();
    if (len64 < 0 || static_cast<uint64_t>(len64) > data.Length()) {
      Napi::RangeError::New(env, "length exceeds the buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t len = static_cast<size_t>(len64);
    const uint8_t* dst = nullptr;
    size_t dst_len = 0;
    if (info[2].IsBuffer()) {
      dst = info[2].As<Napi::Buffer<uint8_t>>().Data();
      dst_len = info[2].As<Napi::Buffer<uint8_t>>().Length();
    }
    const uint8_t* src = nullptr;
    size_t src_len = 0;
    if (info[4].IsBuffer()) {
      src = info[4].As<Napi::Buffer<uint8_t>>().Data();
      src_len = info[4].As<Napi::Buffer<uint8_t>>().Length();
    }
    int ifindex = info[3].As<Napi::Number>().Int32Value();

    struct iovec iov { data.Data(), len };
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(in6_pktinfo))];
    std::memset(control, 0, sizeof(control));
    union {
      sockaddr_in sin;
      sockaddr_in6 sin6;
      sockaddr_ll sll;
      sockaddr_un sun;
    } to;
    std::memset(&to, 0, sizeof(to));
    bool bad = false;
    const bool connectedOk = kind_ == kUdp4 || kind_ == kUdp6 || kind_ == kPing4 || kind_ == kPing6;
    switch (kind_ == kTcp4 || kind_ == kTcp6 ? 0 : (IsV4() ? kVrrp4 : (IsIp() ? kVrrp6 : kind_))) {
      case kVrrp4: {
        if ((dst == nullptr && !connectedOk) || (dst != nullptr && dst_len != 4) || (src != nullptr && src_len != 4)) { bad = true; break; }
        if (dst != nullptr) {
          to.sin.sin_family = AF_INET;
          std::memcpy(&to.sin.sin_addr, dst, 4);
          msg.msg_name = &to.sin;
          msg.msg_namelen = sizeof(to.sin);
        }
        if (ifindex > 0 || src != nullptr) {
          msg.msg_control = control;
          msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
          cmsghdr* c = CMSG_FIRSTHDR(&msg);
          c->cmsg_level = IPPROTO_IP;
          c->cmsg_type = IP_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
          in_pktinfo pi {};
          pi.ipi_ifindex = ifindex;
          if (src != nullptr) std::memcpy(&pi.ipi_spec_dst, src, 4);
          std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        }
        break;
      }
      case kVrrp6: {
        if ((dst == nullptr && !connectedOk) || (dst != nullptr && dst_len != 16) || (src != nullptr && src_len != 16)) { bad = true; break; }
        if (dst != nullptr) {
          to.sin6.sin6_family = AF_INET6;
          std::memcpy(&to.sin6.sin6_addr, dst, 16);
          // Link-local and link-scope multicast destinations need the interface as scope.
          if (IN6_IS_ADDR_LINKLOCAL(&to.sin6.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&to.sin6.sin6_addr)) {
            to.sin6.sin6_scope_id = static_cast<uint32_t>(ifindex > 0 ? ifindex : 0);
          }
          msg.msg_name = &to.sin6;
          msg.msg_namelen = sizeof(to.sin6);
        }
        if (ifindex > 0 || src != nullptr) {
          msg.msg_control = control;
          msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
          cmsghdr* c = CMSG_FIRSTHDR(&msg);
          c->cmsg_level = IPPROTO_IPV6;
          c->cmsg_type = IPV6_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
          in6_pktinfo pi {};
          pi.ipi6_ifindex = static_cast<unsigned>(ifindex > 0 ? ifindex : 0);
          if (src != nullptr) std::memcpy(&pi.ipi6_addr, src, 16);
          std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
        }
        break;
      }
      case kPacket: {
        if (len < ETH_HLEN) { bad = true; break; }
        to.sll.sll_family = AF_PACKET;
        to.sll.sll_ifindex = ifindex > 0 ? ifindex : ifindex_;
        std::memcpy(&to.sll.sll_protocol, data.Data() + 12, 2);  // the frame's ethertype, network order
        to.sll.sll_halen = ETH_ALEN;
        std::memcpy(to.sll.sll_addr, data.Data(), ETH_ALEN);
        msg.msg_name = &to.sll;
        msg.msg_namelen = sizeof(to.sll);
        break;
      }
      case kUnix: {
        socklen_t sl = 0;
        if (dst == nullptr || !FillUnix(dst, dst_len, &to.sun, &sl)) { bad = true; break; }
        msg.msg_name = &to.sun;
        msg.msg_namelen = sl;
        break;
      }
      default:
        bad = true;
    }
    if (bad) {
      ThrowType(env, "send: destination or source does not fit this socket");
      return env.Undefined();
    }
    ssize_t n;
    do {
      n = sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return Napi::Number::New(env, n < 0 ? -errno : static_cast<double>(n));
  }

  void DoClose() {
    if (reading_) {
      reading_ = false;
      // Called from the destructor too: only Unref while the JS object is alive (not in a finalizer).
    }
    if (poll_ != nullptr) {
      // uv_close stops the poll (and takes the fd out of epoll) before the fd is closed below.
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    StopPoll(false);
    DoClose();
    callback_.Reset();
    recv_ref_.Reset();
    meta_ref_.Reset();
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    loop_ref_ = true;
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    loop_ref_ = false;
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  int kind_ = 0;
  int fd_ = -1;
  int ifindex_ = 0;
  int filter_ifindex_ = 0;
  bool reading_ = false;
  bool connecting_ = false;
  bool loop_ref_ = true;
  uv_poll_t* poll_ = nullptr;
  uint8_t* rbuf_ = nullptr;
  size_t rlen_ = 0;
  uint8_t* mbuf_ = nullptr;
  Napi::ObjectReference recv_ref_;
  Napi::ObjectReference meta_ref_;
  Napi::FunctionReference callback_;
  Napi::FunctionReference connect_cb_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
};

static void SetConst(Napi::Env env, Napi::Object o, const char* name, double v) {
  o.Set(name, Napi::Number::New(env, v));
}

void InitSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSocket", Socket::Define(env));
  Napi::Object c = Napi::Object::New(env);
  SetConst(env, c, "KIND_VRRP4", kVrrp4);
  SetConst(env, c, "KIND_VRRP6", kVrrp6);
  SetConst(env, c, "KIND_PACKET", kPacket);
  SetConst(env, c, "KIND_UNIX", kUnix);
  SetConst(env, c, "KIND_PING4", kPing4);
  SetConst(env, c, "KIND_PING6", kPing6);
  SetConst(env, c, "KIND_UDP4", kUdp4);
  SetConst(env, c, "KIND_UDP6", kUdp6);
  SetConst(env, c, "KIND_TCP4", kTcp4);
  SetConst(env, c, "KIND_TCP6", kTcp6);
  SetConst(env, c, "SO_MARK", SO_MARK);
  SetConst(env, c, "SO_LINGER", SO_LINGER);
  SetConst(env, c, "EINPROGRESS", EINPROGRESS);
  SetConst(env, c, "ECONNREFUSED", ECONNREFUSED);
  SetConst(env, c, "EACCES", EACCES);
  SetConst(env, c, "IPPROTO_ICMP", IPPROTO_ICMP);
  SetConst(env, c, "IPPROTO_ICMPV6", IPPROTO_ICMPV6);
  SetConst(env, c, "IPPROTO_TCP", IPPROTO_TCP);
  SetConst(env, c, "TCP_NODELAY", TCP_NODELAY);
  SetConst(env, c, "META_SIZE", kMetaSize);
  SetConst(env, c, "SOL_SOCKET", SOL_SOCKET);
  SetConst(env, c, "SO_RCVBUF", SO_RCVBUF);
  SetConst(env, c, "SO_SNDBUF", SO_SNDBUF);
  SetConst(env, c, "SO_PRIORITY", SO_PRIORITY);
  SetConst(env, c, "IPPROTO_IP", IPPROTO_IP);
  SetConst(env, c, "IPPROTO_IPV6", IPPROTO_IPV6);
  SetConst(env, c, "IP_TOS", IP_TOS);
  SetConst(env, c, "IP_TTL", IP_TTL);
  SetConst(env, c, "IP_MULTICAST_TTL", IP_MULTICAST_TTL);
  SetConst(env, c, "IP_MULTICAST_LOOP", IP_MULTICAST_LOOP);
  SetConst(env, c, "IP_HDRINCL", IP_HDRINCL);
  SetConst(env, c, "IPV6_TCLASS", IPV6_TCLASS);
  SetConst(env, c, "IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS);
  SetConst(env, c, "IPV6_MULTICAST_HOPS", IPV6_MULTICAST_HOPS);
  SetConst(env, c, "IPV6_MULTICAST_LOOP", IPV6_MULTICAST_LOOP);
  SetConst(env, c, "IPV6_CHECKSUM", IPV6_CHECKSUM);
  SetConst(env, c, "ETH_P_ALL", ETH_P_ALL);
  SetConst(env, c, "ETH_P_ARP", ETH_P_ARP);
  SetConst(env, c, "ETH_P_IP", ETH_P_IP);
  SetConst(env, c, "ETH_P_IPV6", ETH_P_IPV6);
  SetConst(env, c, "EAGAIN", EAGAIN);
  SetConst(env, c, "ENOBUFS", ENOBUFS);
  SetConst(env, c, "SCHED_OTHER", SCHED_OTHER);
  SetConst(env, c, "SCHED_FIFO", SCHED_FIFO);
  SetConst(env, c, "SCHED_RR", SCHED_RR);
  SetConst(env, c, "SCHED_RESET_ON_FORK", SCHED_RESET_ON_FORK);
  SetConst(env, c, "MCL_CURRENT", MCL_CURRENT);
  SetConst(env, c, "MCL_FUTURE", MCL_FUTURE);
  SetConst(env, c, "RLIMIT_RTTIME", RLIMIT_RTTIME);
  SetConst(env, c, "RLIMIT_RTPRIO", RLIMIT_RTPRIO);
  SetConst(env, c, "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
  SetConst(env, c, "CLONE_NEWNET", CLONE_NEWNET);
  SetConst(env, c, "IP_RECVERR", IP_RECVERR);
  SetConst(env, c, "IPV6_RECVERR", IPV6_RECVERR);
  SetConst(env, c, "SO_EE_ORIGIN_LOCAL", SO_EE_ORIGIN_LOCAL);
  SetConst(env, c, "SO_EE_ORIGIN_ICMP", SO_EE_ORIGIN_ICMP);
  SetConst(env, c, "SO_EE_ORIGIN_ICMP6", SO_EE_ORIGIN_ICMP6);
  exports.Set("constants", c);
}

}  // namespace tska
