{
  "targets": [
    {
      "target_name": "tskeepalived_native",
      "sources": [ "src/addon.cc", "src/process.cc", "src/sched.cc", "src/socket.cc" ],
      "include_dirs": [ "<!(node -p \"require('node-addon-api').include_dir\")" ],
      "defines": [ "NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS" ],
      "cflags_cc": [ "-std=c++17", "-Wall", "-Wextra", "-O2" ]
    }
  ]
}
