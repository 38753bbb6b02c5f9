import { Module } from '@nestjs/common';

/** Routes for bench/ only (BENCH_ROUTES=true). Filled in by the benchmark work. */
@Module({})
export class BenchModule {}
