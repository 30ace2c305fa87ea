import { Module } from '@nestjs/common';
import { WebAssets } from './web-assets';
import { WebController } from './web.controller';

/** The `/sync/` web page. */
@Module({ controllers: [WebController], providers: [WebAssets] })
export class WebModule {}
