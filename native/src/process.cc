// Process-level calls Node lacks: the parent-death signal and thread name (prctl), setns.
#include "common.h"
#include <sys/prctl.h>
#include <signal.h>
#include <sched.h>

namespace tska {

// setParentDeathSignal(signo): prctl(PR_SET_PDEATHSIG); 0 clears it.
static Napi::Value SetParentDeathSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "signal number expected").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int sig = info[0].As<Napi::Number>().Int32Value();
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(sig), 0, 0, 0) != 0) {
    ThrowErrno(env, errno, "prctl");
  }
  return env.Undefined();
}

// getParentDeathSignal(): prctl(PR_GET_PDEATHSIG).
static Napi::Value GetParentDeathSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) != 0) {
    ThrowErrno(env, errno, "prctl");
    return env.Undefined();
  }
  return Napi::Number::New(env, sig);
}

// setThreadName(name): prctl(PR_SET_NAME) for the calling (main) thread; the kernel keeps 15 bytes.
static Napi::Value SetThreadName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    ThrowType(env, "name string expected");
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (prctl(PR_SET_NAME, name.c_str(), 0, 0, 0) != 0) ThrowErrno(env, errno, "prctl");
  return env.Undefined();
}

// getThreadName(): prctl(PR_GET_NAME) of the calling (main) thread.
static Napi::Value GetThreadName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char buf[17] = {0};
  if (prctl(PR_GET_NAME, buf, 0, 0, 0) != 0) {
    ThrowErrno(env, errno, "prctl");
    return env.Undefined();
  }
  return Napi::String::New(env, buf);
}

// setns(fd, nstype): moves the calling (main) thread into the namespace that fd refers to.
static Napi::Value SetNs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
    ThrowType(env, "setns(fd, nstype) expects two numbers");
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int type = info[1].As<Napi::Number>().Int32Value();
  if (setns(fd, type) != 0) ThrowErrno(env, errno, "setns");
  return env.Undefined();
}

void InitProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreadName", Napi::Function::New(env, SetThreadName));
  exports.Set("getThreadName", Napi::Function::New(env, GetThreadName));
  exports.Set("setns", Napi::Function::New(env, SetNs));
  exports.Set("setParentDeathSignal", Napi::Function::New(env, SetParentDeathSignal));
  exports.Set("getParentDeathSignal", Napi::Function::New(env, GetParentDeathSignal));
}

}  // namespace tska
