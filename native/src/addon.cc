// Entry point of tskeepalived's native addon: registers each part's functions.
#include "common.h"

static Napi::Value StrError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    tska::ThrowType(env, "errno number expected");
    return env.Undefined();
  }
  int err = info[0].As<Napi::Number>().Int32Value();
  if (err < 0) err = -err;
  const char* name = strerrorname_np(err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  o.Set("message", Napi::String::New(env, std::strerror(err)));
  return o;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tska::InitProcess(env, exports);
  tska::InitSched(env, exports);
  tska::InitSocket(env, exports);
  exports.Set("strerror", Napi::Function::New(env, StrError));
  return exports;
}

NODE_API_MODULE(tskeepalived_native, Init)
