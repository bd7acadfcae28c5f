/*
 * version.h - pgbundle's version: `pgbundle --version` and the tool named in
 * every bundle's SBOM.
 */
#ifndef PGB_VERSION_H
#define PGB_VERSION_H

#define PGBUNDLE_VERSION "0.1.0"

#endif
