// Scheduling and memory calls for the VRRP process: real-time policy, affinity, mlockall, rlimits.
#include "common.h"
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <vector>

namespace tska {

static bool Numbers(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) return false;
  for (size_t i = 0; i < n; i++) {
    if (!info[i].IsNumber()) return false;
  }
  return true;
}

// setScheduler(policy, priority): sched_setscheduler(0, ...) for the calling (main) thread.
static Napi::Value SetScheduler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Numbers(info, 2)) {
    ThrowType(env, "setScheduler(policy, priority) expects two numbers");
    return env.Undefined();
  }
  struct sched_param p {};
  p.sched_priority = info[1].As<Napi::Number>().Int32Value();
  if (sched_setscheduler(0, info[0].As<Napi::Number>().Int32Value(), &p) != 0) {
    ThrowErrno(env, errno, "sched_setscheduler");
  }
  return env.Undefined();
}

// getScheduler(): { policy, priority } of the calling (main) thread.
static Napi::Value GetScheduler(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int policy = sched_getscheduler(0);
  if (policy < 0) {
    ThrowErrno(env, errno, "sched_getscheduler");
    return env.Undefined();
  }
  struct sched_param p {};
  if (sched_getparam(0, &p) != 0) {
    ThrowErrno(env, errno, "sched_getparam");
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("policy", Napi::Number::New(env, policy));
  o.Set("priority", Napi::Number::New(env, p.sched_priority));
  return o;
}

// getPriorityRange(policy): [min, max] static priorities for a policy.
static Napi::Value GetPriorityRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Numbers(info, 1)) {
    ThrowType(env, "policy number expected");
    return env.Undefined();
  }
  int policy = info[0].As<Napi::Number>().Int32Value();
  int lo = sched_get_priority_min(policy);
  if (lo < 0) {
    ThrowErrno(env, errno, "sched_get_priority_min");
    return env.Undefined();
  }
  int hi = sched_get_priority_max(policy);
  if (hi < 0) {
    ThrowErrno(env, errno, "sched_get_priority_max");
    return env.Undefined();
  }
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, lo));
  a.Set(1u, Napi::Number::New(env, hi));
  return a;
}

// setAffinity(cpus[]): sched_setaffinity(0, ...) for the calling (main) thread.
static Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    ThrowType(env, "array of CPU numbers expected");
    return env.Undefined();
  }
  Napi::Array a = info[0].As<Napi::Array>();
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value v = a.Get(i);
    if (!v.IsNumber()) {
      ThrowType(env, "array of CPU numbers expected");
      return env.Undefined();
    }
    int cpu = v.As<Napi::Number>().Int32Value();
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
      ThrowErrno(env, EINVAL, "sched_setaffinity");
      return env.Undefined();
    }
    CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof(set), &set) != 0) ThrowErrno(env, errno, "sched_setaffinity");
  return env.Undefined();
}

// getAffinity(): CPU numbers the calling (main) thread may run on.
static Napi::Value GetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    ThrowErrno(env, errno, "sched_getaffinity");
    return env.Undefined();
  }
  Napi::Array a = Napi::Array::New(env);
  uint32_t n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) a.Set(n++, Napi::Number::New(env, cpu));
  }
  return a;
}

// mlockall(flags) / munlockall().
static Napi::Value MlockAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Numbers(info, 1)) {
    ThrowType(env, "flags number expected");
    return env.Undefined();
  }
  if (mlockall(info[0].As<Napi::Number>().Int32Value()) != 0) ThrowErrno(env, errno, "mlockall");
  return env.Undefined();
}

static Napi::Value MunlockAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (munlockall() != 0) ThrowErrno(env, errno, "munlockall");
  return env.Undefined();
}

static rlim_t ToRlim(double v) { return v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v); }
static double FromRlim(rlim_t v) { return v == RLIM_INFINITY ? -1 : static_cast<double>(v); }

// setRlimit(resource, soft, hard): -1 means RLIM_INFINITY.
static Napi::Value SetRlimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Numbers(info, 3)) {
    ThrowType(env, "setRlimit(resource, soft, hard) expects three numbers");
    return env.Undefined();
  }
  struct rlimit rl {};
  rl.rlim_cur = ToRlim(info[1].As<Napi::Number>().DoubleValue());
  rl.rlim_max = ToRlim(info[2].As<Napi::Number>().DoubleValue());
  int res = info[0].As<Napi::Number>().Int32Value();
  if (setrlimit(static_cast<__rlimit_resource_t>(res), &rl) != 0) ThrowErrno(env, errno, "setrlimit");
  return env.Undefined();
}

// getRlimit(resource): [soft, hard], -1 for RLIM_INFINITY.
static Napi::Value GetRlimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Numbers(info, 1)) {
    ThrowType(env, "resource number expected");
    return env.Undefined();
  }
  struct rlimit rl {};
  int res = info[0].As<Napi::Number>().Int32Value();
  if (getrlimit(static_cast<__rlimit_resource_t>(res), &rl) != 0) {
    ThrowErrno(env, errno, "getrlimit");
    return env.Undefined();
  }
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, FromRlim(rl.rlim_cur)));
  a.Set(1u, Napi::Number::New(env, FromRlim(rl.rlim_max)));
  return a;
}

void InitSched(Napi::Env env, Napi::Object exports) {
  exports.Set("setScheduler", Napi::Function::New(env, SetScheduler));
  exports.Set("getScheduler", Napi::Function::New(env, GetScheduler));
  exports.Set("getPriorityRange", Napi::Function::New(env, GetPriorityRange));
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity));
  exports.Set("getAffinity", Napi::Function::New(env, GetAffinity));
  exports.Set("mlockall", Napi::Function::New(env, MlockAll));
  exports.Set("munlockall", Napi::Function::New(env, MunlockAll));
  exports.Set("setRlimit", Napi::Function::New(env, SetRlimit));
  exports.Set("getRlimit", Napi::Function::New(env, GetRlimit));
}

}  // namespace tska
