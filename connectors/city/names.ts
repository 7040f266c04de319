/** Synthetic Chinese names: a weighted surname and one or two given-name characters by sex. */
import { cumulative, type Rng } from './rng.js';

// the most common surnames, roughly by frequency (weights in per mille)
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文';
const SURNAME_WEIGHTS = Array.from(SURNAMES, (_, i) => (i < 5 ? 70 : i < 10 ? 40 : i < 30 ? 15 : i < 60 ? 7 : 3));
const SURNAME_CUM = cumulative(SURNAME_WEIGHTS);

const MALE = '伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志东海峰文博成亮兵德福生荣新春立永庆';
const FEMALE = '芳娜敏静丽艳娟霞秀英华慧巧美兰玉萍红琴云莲燕梅琳雪婷倩颖佳欣怡悦晶月凤桂珍淑素芬洁丹玲晓';
const NEUTRAL = '文佳子一思雨嘉可心晨宇安欣';

export function surname(rng: Rng): string {
  return SURNAMES[rng.weighted(SURNAME_CUM)] as string;
}

export function givenName(rng: Rng, sex: 'M' | 'F'): string {
  const pool = sex === 'M' ? MALE : FEMALE;
  const first = rng.chance(0.15) ? (NEUTRAL[rng.int(NEUTRAL.length)] as string) : (pool[rng.int(pool.length)] as string);
  return rng.chance(0.7) ? first + (pool[rng.int(pool.length)] as string) : first;
}

/** Full name; pass a family surname to keep it across a household's children. */
export function fullName(rng: Rng, sex: 'M' | 'F', family?: string): string {
  return (family ?? surname(rng)) + givenName(rng, sex);
}
