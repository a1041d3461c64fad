// Process-level calls Node lacks: the parent-death signal (prctl).
#include "common.h"
#include <sys/prctl.h>
#include <signal.h>

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

void InitProcess(Napi::Env env, Napi::Object exports) {
  exports.Set("setParentDeathSignal", Napi::Function::New(env, SetParentDeathSignal));
  exports.Set("getParentDeathSignal", Napi::Function::New(env, GetParentDeathSignal));
}

}  // namespace tska
