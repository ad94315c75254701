// OpenSSL objects owned by std::unique_ptr with their free function: one set for every
// library that holds OpenSSL objects (lib/dane, lib/tls).
#pragma once

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace danemon::dane {

template <auto free_function> struct OpensslDeleter {
    template <typename T> void operator()(T* object) const { free_function(object); }
};

template <typename T, auto free_function>
using OpensslPtr = std::unique_ptr<T, OpensslDeleter<free_function>>;

using X509Ptr = OpensslPtr<X509, X509_free>;
using EvpPkeyPtr = OpensslPtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = OpensslPtr<BIO, BIO_free_all>;
using SslCtxPtr = OpensslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = OpensslPtr<SSL, SSL_free>;
using X509StorePtr = OpensslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpensslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;

// Frees the stack, not the certificates in it (they stay owned by their X509Ptr).
inline void free_x509_stack(STACK_OF(X509) * stack) {
    sk_X509_free(stack);
}
using X509StackPtr = OpensslPtr<STACK_OF(X509), free_x509_stack>;

} // namespace danemon::dane
